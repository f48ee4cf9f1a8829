"""The checks of single ``OAUTH2_PROVIDER_*`` keys, and the constants they check against.

:meth:`flask_oauth_provider.config.ProviderConfig.from_mapping` calls them; each raises
``ValueError`` naming the key and what it allows. The keys themselves are documented once,
at the fields of :class:`~flask_oauth_provider.config.ProviderConfig`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from werkzeug.utils import import_string

from .core.jose import ALGORITHMS as ID_TOKEN_ALGORITHMS
from .core.jose import EMBEDDED_KEY_ALGORITHMS
from .core.utils import is_absolute_uri

PREFIX = "OAUTH2_PROVIDER_"

#: Grant types this package implements. ``implicit`` and ``password`` are deprecated by
#: RFC 9700 / OAuth 2.1 and so are off unless listed in ``OAUTH2_PROVIDER_GRANT_TYPES``.
KNOWN_GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "implicit",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
)
#: The device authorization grant (RFC 8628 §3.4); off unless listed.
DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")

#: RFC 6749 §4.1.2: an authorization code lives "a maximum of 10 minutes".
MAX_CODE_EXPIRES_IN = 600
#: Longest device code lifetime accepted: the guessing budget of the verification page
#: is spread over one lifetime (RFC 8628 §5.1), so a longer one only makes it thinner.
MAX_DEVICE_CODE_EXPIRES_IN = 1800
#: Longest lifetime of a pushed authorization request's ``request_uri`` (RFC 9126 §2.2:
#: short-lived; it only has to outlive the redirect to the authorization endpoint).
MAX_PAR_LIFETIME = 600

#: ``OAUTH2_PROVIDER_DYNAMIC_REGISTRATION`` values: no endpoint, an initial access token
#: required (RFC 7591 §3), anyone may register.
REGISTRATION_MODES = (None, "token", "open")

TokenGenerator = Callable[[Any], str]


def resolve_generator(key: str, value: Any) -> Optional[TokenGenerator]:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise ValueError(
                f"{PREFIX}{key} names {value!r}, which cannot be imported: {exc}. "
                "Give a callable(request) -> str or its dotted import path."
            ) from None
    if not callable(value):
        raise ValueError(
            f"{PREFIX}{key} must be a callable(request) -> str or its dotted import path, "
            f"not {value!r}."
        )
    _check_generator_signature(key, value)
    return value


def _check_generator_signature(key: str, generator: Callable[..., Any]) -> None:
    """Refuse, now rather than at every token request, a callable that cannot take the
    request: one that needs other arguments, or whose first parameter has a default, as
    ``secrets.token_hex(nbytes=None)`` does (it would be handed the request as nbytes)."""
    try:
        signature = inspect.signature(generator)
    except (TypeError, ValueError):  # some builtins have none: trust them
        return
    name = getattr(generator, "__qualname__", None) or repr(generator)
    advice = ("It is called as generator(request) and returns the token; wrap a function "
              "of other arguments, e.g. lambda request: secrets.token_urlsafe(32).")
    try:
        signature.bind(object())
    except TypeError:
        raise ValueError(f"{PREFIX}{key}: {name} cannot take one argument, the request. "
                         + advice) from None
    first = next(iter(signature.parameters.values()))
    if first.kind != first.VAR_POSITIONAL and first.default is not first.empty:
        raise ValueError(
            f"{PREFIX}{key}: the first parameter of {name}, {first.name!r}, has a default, "
            "so it is not a request parameter. " + advice)


def positive_int(key: str, value: Any, *, allow_none: bool = False) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        extra = " or None (never expires)" if allow_none else ""
        raise ValueError(
            f"{PREFIX}{key} must be a positive number of seconds{extra}, not {value!r}."
        )
    return value




def id_token_signing_alg(alg: Any) -> str:
    if alg not in ID_TOKEN_ALGORITHMS:
        raise ValueError(f"{PREFIX}ID_TOKEN_SIGNING_ALG must be one of "
                         f"{', '.join(ID_TOKEN_ALGORITHMS)}, not {alg!r}.")
    return alg


def check_known_keys(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    known = {PREFIX + key for key in defaults}
    unknown = sorted(k for k in config if k.startswith(PREFIX) and k not in known)
    if unknown:
        raise ValueError(
            f"Unknown configuration key(s) {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(known))}."
        )


def url_prefix(prefix: Any) -> str:
    if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
        raise ValueError(
            f"{PREFIX}URL_PREFIX must be a path starting with '/' and not ending with '/' "
            f"(for example '/oauth'), not {prefix!r}."
        )
    return prefix


def issuer(issuer: Any, insecure_transport: Any) -> Optional[str]:
    if issuer is None:
        return None
    if not isinstance(issuer, str) or "?" in issuer or "#" in issuer:
        raise ValueError(
            f"{PREFIX}ISSUER must be an https URL with no query or fragment "
            f"(RFC 8414 §2), not {issuer!r}."
        )
    if not (issuer.startswith("https://") or insecure_transport
            or issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))):
        raise ValueError(
            f"{PREFIX}ISSUER must use https (RFC 8414 §2), not {issuer!r}; "
            f"http is allowed only on loopback or with {PREFIX}INSECURE_TRANSPORT."
        )
    return issuer.rstrip("/")


def error_uri(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not (
            (value.startswith("/") and not value.startswith("//"))
            or value.startswith(("https://", "http://"))):
        raise ValueError(
            f"{PREFIX}ERROR_URI must be a path of the app ('/oauth/errors') or an http(s) "
            f"URL, not {value!r}."
        )
    return value


def error_endpoint(value: Any) -> Optional[str]:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"{PREFIX}ERROR_ENDPOINT must be the endpoint name of the app's "
                         f"error view, not {value!r}.")
    return value


def lifetime_at_most(key: str, value: Any, longest: int, why: str) -> int:
    """A positive number of seconds no longer than ``longest``; ``why`` cites the rule."""
    seconds = positive_int(key, value)
    if seconds > longest:
        raise ValueError(
            f"{PREFIX}{key} must be at most {longest} seconds ({why}), not {seconds!r}.")
    return seconds


def code_expires_in(value: Any) -> int:
    return lifetime_at_most("CODE_EXPIRES_IN", value, MAX_CODE_EXPIRES_IN, "RFC 6749 §4.1.2")


def par_lifetime(value: Any) -> int:
    return lifetime_at_most("PAR_LIFETIME", value, MAX_PAR_LIFETIME,
                            "RFC 9126 §2.2: a request_uri is short-lived")


def device_code_expires_in(value: Any) -> int:
    return lifetime_at_most("DEVICE_CODE_EXPIRES_IN", value, MAX_DEVICE_CODE_EXPIRES_IN,
                            "RFC 8628 §5.1: a short lifetime keeps guessing hopeless")


def positive_count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{PREFIX}{key} must be a positive whole number, not {value!r}.")
    return value


def grant_types(grant_types: Any) -> tuple[str, ...]:
    if isinstance(grant_types, str):
        grant_types = grant_types.split()
    grant_types = tuple(grant_types)
    bad = [g for g in grant_types if g not in KNOWN_GRANT_TYPES]
    if bad or not grant_types:
        raise ValueError(
            f"{PREFIX}GRANT_TYPES must list some of {', '.join(KNOWN_GRANT_TYPES)}; "
            f"got {list(grant_types)!r}."
        )
    return grant_types


def access_token_format(value: Any) -> str:
    if value not in ("opaque", "jwt"):
        raise ValueError(f"{PREFIX}ACCESS_TOKEN_FORMAT must be 'opaque' or 'jwt', not {value!r}.")
    return value


def resources(value: Any) -> tuple[tuple[str, Optional[frozenset]], ...]:
    if isinstance(value, str):
        value = value.split()
    items = list(value.items()) if isinstance(value, Mapping) else [(v, None) for v in value]
    resources = []
    for uri, scopes in items:
        if not is_absolute_uri(uri):
            raise ValueError(
                f"{PREFIX}RESOURCES must list absolute URIs without fragment "
                f"(RFC 8707 §2), not {uri!r}.")
        if isinstance(scopes, str):
            scopes = scopes.split()
        if scopes is not None and not all(isinstance(s, str) for s in scopes):
            raise ValueError(
                f"{PREFIX}RESOURCES: the scopes of {uri!r} must be a list of strings, a "
                f"space-separated string or None (any scope), not {scopes!r}.")
        resources.append((uri, None if scopes is None else frozenset(scopes)))
    return tuple(resources)


def pkce_required(pkce_required: Any) -> Union[bool, str]:
    if not (pkce_required is True or pkce_required == "public"):
        raise ValueError(
            f"{PREFIX}PKCE_REQUIRED must be True (every client) or 'public' (public clients "
            f"only; PKCE can't be switched off for them), not {pkce_required!r}."
        )
    return pkce_required


def scopes(scopes: Any) -> Optional[Mapping[str, str]]:
    if scopes is None:
        return None
    if not isinstance(scopes, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in scopes.items()):
        raise ValueError(f"{PREFIX}SCOPES must map each scope to its description, "
                         f"not {scopes!r}.")
    return dict(scopes)


def registration(get: Callable[[str], Any], flag: Callable[[str], bool]) -> dict[str, Any]:
    """The dynamic registration keys (RFC 7591) and the metadata document switches."""
    mode = get("DYNAMIC_REGISTRATION")
    if mode not in REGISTRATION_MODES:
        raise ValueError(
            f"{PREFIX}DYNAMIC_REGISTRATION must be None, 'token' or 'open', not {mode!r}."
        )
    scopes = get("REGISTRATION_SCOPES")
    scopes = tuple(scopes.split() if isinstance(scopes, str) else scopes)
    if not all(isinstance(s, str) and s and " " not in s for s in scopes):
        raise ValueError(f"{PREFIX}REGISTRATION_SCOPES must list scope names, not {scopes!r}.")
    # Those that GRANT_TYPES does not enable are left out (registration_views.policy).
    registration_grants = grant_types(get("REGISTRATION_GRANT_TYPES"))
    return {
        "dynamic_registration": mode,
        "registration_scopes": scopes,
        "registration_grant_types": registration_grants,
        "registration_limit_per_ip": _limit("REGISTRATION_LIMIT_PER_IP",
                                            get("REGISTRATION_LIMIT_PER_IP")),
        "registration_limit_global": _limit("REGISTRATION_LIMIT_GLOBAL",
                                            get("REGISTRATION_LIMIT_GLOBAL")),
        "registration_purge_unused_after": positive_int(
            "REGISTRATION_PURGE_UNUSED_AFTER", get("REGISTRATION_PURGE_UNUSED_AFTER"),
            allow_none=True),
        "client_id_metadata_documents": flag("CLIENT_ID_METADATA_DOCUMENTS"),
        "client_id_metadata_document_allow_private": flag(
            "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE"),
        "software_statement_keys": _statement_keys(get("SOFTWARE_STATEMENT_KEYS")),
    }


def dpop(get: Callable[[str], Any], flag: Callable[[str], bool]) -> dict[str, Any]:
    """The DPoP keys (RFC 9449)."""
    algs = get("DPOP_SIGNING_ALGS")
    algs = tuple(algs.split() if isinstance(algs, str) else algs)
    if not algs or any(alg not in EMBEDDED_KEY_ALGORITHMS for alg in algs):
        raise ValueError(
            f"{PREFIX}DPOP_SIGNING_ALGS must list some of "
            f"{', '.join(EMBEDDED_KEY_ALGORITHMS)} (asymmetric algorithms), not {algs!r}.")
    return {
        "require_dpop": flag("REQUIRE_DPOP"),
        "dpop_nonce": flag("DPOP_NONCE"),
        "dpop_signing_algs": algs,
        "dpop_proof_lifetime": positive_int("DPOP_PROOF_LIFETIME",
                                             get("DPOP_PROOF_LIFETIME")),
    }


def _statement_keys(value: Any) -> tuple[dict[str, Any], ...]:
    """The public keys trusted to sign software statements, checked once."""
    if value is None:
        return ()
    from .core.jose import JoseError, import_jwk_set, is_private, public_jwk

    try:
        keys = import_jwk_set(value)
    except JoseError as exc:
        raise ValueError(f"{PREFIX}SOFTWARE_STATEMENT_KEYS must be a JWK set: {exc}") from None
    # Only the public halves are kept: verifying needs nothing more.
    return tuple(public_jwk(key) if is_private(key) else key for key in keys)


def _limit(key: str, value: Any) -> Optional[tuple[int, int]]:
    if value is None:
        return None
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value))
    if not ok:
        raise ValueError(
            f"{PREFIX}{key} must be (count, seconds), two positive numbers, or None "
            f"(no limit), not {value!r}."
        )
    return int(value[0]), int(value[1])


def replay_cache(value: Any) -> Any:
    """``OAUTH2_PROVIDER_REPLAY_CACHE``: a backend's name, a Redis URL or a cache object."""
    if value is None or value in ("database", "memory"):
        return value
    if callable(getattr(value, "first_use", None)) and not isinstance(value, type):
        return value
    if isinstance(value, str) and value.startswith(("redis://", "rediss://")):
        try:
            import redis
        except ImportError:
            raise ValueError(
                f"{PREFIX}REPLAY_CACHE is a Redis URL, but the redis package is not "
                "installed: pip install 'flask-oauth-provider[redis]'.") from None
        try:
            redis.ConnectionPool.from_url(value)  # parses; connects only when used
        except ValueError:
            # Not quoted back: the URL may hold a password.
            raise ValueError(f"{PREFIX}REPLAY_CACHE is not a valid Redis URL.") from None
        return value
    raise ValueError(
        f"{PREFIX}REPLAY_CACHE must be 'database', 'memory', a redis:// or rediss:// URL, "
        f"or an object with a first_use(namespace, value, expires_at) method, not {value!r}.")
