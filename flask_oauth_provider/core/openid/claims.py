"""Which claims about the user a client receives (OpenID Connect Core 1.0 §5).

Two inputs decide: the granted scopes (§5.4 maps ``profile``, ``email``, ``address``
and ``phone`` to standard claims) and the ``claims`` request parameter (§5.5), which
asks for single claims in the ID token or at the UserInfo endpoint. ``sub`` is
always returned (§5.3.2: "The sub Claim MUST always be returned").
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Optional

from ..errors import InvalidRequestError

#: OpenID Connect Core §5.4: the claims each scope value requests.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": (
        "name", "family_name", "given_name", "middle_name", "nickname",
        "preferred_username", "profile", "picture", "website", "gender", "birthdate",
        "zoneinfo", "locale", "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}

#: §5.1: the standard claims (plus ``sub``), what discovery lists as claims_supported.
STANDARD_CLAIMS: tuple[str, ...] = ("sub", *(c for cs in SCOPE_CLAIMS.values() for c in cs))

#: §5.5: the members of the claims request parameter.
CLAIMS_TARGETS = ("userinfo", "id_token")


def _malformed(description: str, request: Any = None) -> InvalidRequestError:
    return InvalidRequestError(description=f"Malformed claims parameter: {description}",
                               request=request)


def parse_claims_request(value: Any,
                         request: Any = None) -> Optional[dict[str, dict[str, Any]]]:
    """Parse and check the ``claims`` parameter (§5.5); ``None`` when absent.

    §5.5: a JSON object whose members ``userinfo`` and ``id_token`` are objects; each
    of their members names a claim whose value is ``null`` or an object with the
    optional ``essential`` (boolean), ``value`` and ``values`` (array) members
    (§5.5.1). Anything else is ``invalid_request``. An already-parsed dict (as a
    validator may restore it from storage) is checked the same way.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise _malformed("not JSON.", request) from None
    if not isinstance(value, dict):
        raise _malformed("not a JSON object.", request)
    for target, requested in value.items():
        if target not in CLAIMS_TARGETS:
            continue  # §5.5: other members are ignored (extensions).
        if not isinstance(requested, dict):
            raise _malformed(f"{target} is not an object.", request)
        for name, spec in requested.items():
            _check_claim_spec(target, name, spec, request)
    return value


def _check_claim_spec(target: str, name: str, spec: Any, request: Any) -> None:
    if spec is None:
        return
    if not isinstance(spec, dict):
        raise _malformed(f"{target}.{name} is neither null nor an object.", request)
    if "essential" in spec and not isinstance(spec["essential"], bool):
        raise _malformed(f"{target}.{name}.essential is not a boolean.", request)
    if "values" in spec and not isinstance(spec["values"], list):
        raise _malformed(f"{target}.{name}.values is not an array.", request)


def requested_claims(claims_request: Optional[Mapping[str, Any]], target: str) -> dict[str, Any]:
    """The claims the ``claims`` parameter asks for in ``target`` (name -> spec)."""
    if not isinstance(claims_request, Mapping):
        return {}
    requested = claims_request.get(target)
    return dict(requested) if isinstance(requested, Mapping) else {}


def essential_claims(claims_request: Optional[Mapping[str, Any]], target: str) -> list[str]:
    """§5.5.1: the claims marked ``"essential": true`` for ``target``."""
    return [name for name, spec in requested_claims(claims_request, target).items()
            if isinstance(spec, Mapping) and spec.get("essential") is True]


def claims_for_scopes(scopes: Optional[Iterable[str]]) -> set[str]:
    """§5.4: the claim names the granted scopes give access to."""
    names: set[str] = set()
    for scope in scopes or ():
        names.update(SCOPE_CLAIMS.get(scope, ()))
    return names


def allowed_claims(scopes: Optional[Iterable[str]],
                   claims_request: Optional[Mapping[str, Any]], target: str,
                   include_scope_claims: bool = True) -> set[str]:
    """The claim names a response for ``target`` may carry.

    The scope claims (§5.4) when ``include_scope_claims``, plus the claims the user
    consented to through the ``claims`` parameter for this target (§5.5), plus
    ``sub``. For the ID token the scope claims are included only when no access token
    is issued (§5.4: "when no Access Token is issued ... the resulting Claims are
    returned in the ID Token").
    """
    allowed = {"sub"}
    if include_scope_claims:
        allowed |= claims_for_scopes(scopes)
    allowed |= set(requested_claims(claims_request, target))
    return allowed


def select_claims(user_claims: Mapping[str, Any], subject: str,
                  scopes: Optional[Iterable[str]],
                  claims_request: Optional[Mapping[str, Any]], target: str,
                  include_scope_claims: bool = True) -> dict[str, Any]:
    """Keep only the claims of ``user_claims`` the client may receive, with ``sub``.

    §5.3.2: "If a Claim is not returned, that Claim Name SHOULD be omitted from the
    JSON object ... rather than being present with a null or empty string value", so
    ``None`` values are dropped. ``sub`` always comes from ``subject``.
    """
    allowed = allowed_claims(scopes, claims_request, target, include_scope_claims)
    selected = {name: value for name, value in user_claims.items()
                if name in allowed and name != "sub" and value is not None}
    selected["sub"] = subject
    return selected
