"""Security profiles: one setting that presets, and then holds, the keys a profile needs.

``OAUTH2_PROVIDER_PROFILE = "fapi2"`` applies the FAPI 2.0 Security Profile (OpenID
Foundation, final, 2025). Every key the profile governs is preset to a value that
satisfies it; an app may still set such a key itself, but only to a value the profile
allows (a shorter code lifetime, say). A value the profile forbids stops ``init_app``
with an error that names the key and the requirement, rather than running a server that
claims a profile it does not follow.

:data:`REQUIREMENTS` is the one table of what each profile asks; ``docs/fapi2.rst`` maps
each FAPI 2.0 clause to these keys (or to behaviour that needs none) and to its test.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

PREFIX = "OAUTH2_PROVIDER_"

#: The signing algorithms FAPI 2.0 allows (its cryptography clause: PS256, ES256 and
#: EdDSA with Ed25519); RS256 is not among them.
FAPI2_ALGORITHMS = frozenset({"PS256", "ES256", "EdDSA"})


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One key a profile governs: its preset, which explicit values still comply, and
    the requirement of the profile it serves (in this project's words)."""

    key: str
    preset: Any
    complies: Callable[[Any], bool]
    requirement: str


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda value: value is expected


def _subset_of(allowed: frozenset) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            return False
        values = set(value)
        return bool(values) and values <= allowed
    return check


def _seconds_between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: (isinstance(value, int) and not isinstance(value, bool)
                          and low <= value <= high)


def _no_front_channel_tokens(value: Any) -> bool:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return False
    return not {"implicit", "password"} & set(value)


#: profile name -> the keys it governs.
REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "fapi2": (
        Requirement("PKCE_REQUIRED", True, _is(True),
                    "PKCE for every client, confidential ones too (RFC 7636)"),
        Requirement("PKCE_PLAIN", False, _is(False),
                    "PKCE with S256 only"),
        Requirement("REQUIRE_REDIRECT_URI", True, _is(True),
                    "redirect_uri in every authorization request"),
        Requirement("CODE_EXPIRES_IN", 60, _seconds_between(1, 60),
                    "authorization codes live at most 60 seconds"),
        Requirement("GRANT_TYPES", ("authorization_code", "refresh_token",
                                    "client_credentials"),
                    _no_front_channel_tokens,
                    "no implicit grant (response_type code only) and no password grant"),
        Requirement("REQUIRE_PAR", True, _is(True),
                    "authorization requests arrive only through PAR (RFC 9126)"),
        Requirement("PAR_LIFETIME", 60, _seconds_between(5, 600),
                    "a request_uri lives between 5 and 600 seconds"),
        Requirement("TOKEN_ENDPOINT_AUTH_METHODS", ("private_key_jwt",),
                    _subset_of(frozenset({"private_key_jwt"})),
                    "confidential clients only, authenticated with private_key_jwt "
                    "(mutual TLS is not offered here)"),
        Requirement("CLIENT_ASSERTION_AUDIENCE", "issuer", lambda value: value == "issuer",
                    "client assertions name the issuer identifier alone as aud"),
        Requirement("TOKEN_ENDPOINT_AUTH_SIGNING_ALGS", ("ES256", "EdDSA"),
                    _subset_of(FAPI2_ALGORITHMS),
                    "client assertions signed with PS256, ES256 or EdDSA only"),
        Requirement("REQUEST_OBJECT_SIGNING_ALGS", ("ES256", "EdDSA"),
                    _subset_of(FAPI2_ALGORITHMS),
                    "request objects signed with PS256, ES256 or EdDSA only"),
        Requirement("REQUIRE_DPOP", True, _is(True),
                    "sender-constrained access tokens only: DPoP (RFC 9449; mutual TLS "
                    "is not offered here)"),
        Requirement("DPOP_SIGNING_ALGS", ("ES256", "EdDSA", "PS256"),
                    _subset_of(FAPI2_ALGORITHMS),
                    "DPoP proofs signed with PS256, ES256 or EdDSA only"),
        Requirement("ID_TOKEN_SIGNING_ALG", "ES256", lambda value: value in FAPI2_ALGORITHMS,
                    "ID tokens signed with PS256, ES256 or EdDSA only"),
        Requirement("ROTATE_REFRESH_TOKENS", False, _is(False),
                    "no refresh token rotation, whose lost responses strand clients "
                    "(public clients, which would need it, are not allowed)"),
    ),
}

#: The values ``OAUTH2_PROVIDER_PROFILE`` accepts (besides ``None``).
PROFILES = tuple(REQUIREMENTS)


def apply_profile(config: Mapping[str, Any], known_keys: frozenset) -> Mapping[str, Any]:
    """``config`` with ``OAUTH2_PROVIDER_PROFILE``'s presets filled in, after checking
    that every key the app set itself complies. Without a profile, ``config`` itself.

    :raises ValueError: an unknown profile, or a key set against the profile.
    """
    profile = config.get(PREFIX + "PROFILE")
    if profile is None:
        return config
    if profile not in REQUIREMENTS:
        raise ValueError(
            f"{PREFIX}PROFILE must be one of {', '.join(map(repr, PROFILES))} or None, "
            f"not {profile!r}.")
    applied = dict(config)
    for requirement in REQUIREMENTS[profile]:
        if requirement.key not in known_keys:
            continue
        name = PREFIX + requirement.key
        if name not in config:
            applied[name] = requirement.preset
        elif not requirement.complies(config[name]):
            raise ValueError(
                f"{name} = {config[name]!r} conflicts with {PREFIX}PROFILE = {profile!r}: "
                f"the profile requires {requirement.requirement}. Leave the key unset "
                f"(the profile sets {requirement.preset!r}) or give a value that complies.")
    return applied
