"""Building an ID token (OpenID Connect Core 1.0 §2, §3.1.3.6, §3.2.2.10, §3.3.2.11).

:func:`add_id_token` is the step every OpenID grant shares: it decides whether the
response carries an ID token, asks the validator for a ready one
(``get_id_token``), else starts one with the claims the grant knows (``aud``,
``iat``, ``nonce``, ``at_hash``, ``c_hash``) and lets ``finalize_id_token`` complete
and sign it. :func:`complete_id_token` adds what the provider knows (``iss``, ``sub``,
``exp``, ``auth_time``, ``acr``, ``amr``, ``azp``, user claims).
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping, Optional

from .. import jose
from .rules import split_values

#: Lifetime of an ID token, in seconds (§2: exp; short, it is verified right away).
DEFAULT_ID_TOKEN_LIFETIME = 300


def signing_alg(request_validator: Any, request: Any) -> str:
    """The ``alg`` the ID token of this request is signed with.

    The validator's ``get_id_token_signing_alg(request)`` when it has one (ours
    reads the client's ``id_token_signed_response_alg``, OpenID Connect Dynamic
    Client Registration §2); RS256 otherwise (§3.1.3.7: "The default alg value is
    RS256").
    """
    method = getattr(request_validator, "get_id_token_signing_alg", None)
    alg = method(request) if callable(method) else None
    return alg or jose.DEFAULT_ALGORITHM


def wants_id_token(request: Any) -> bool:
    """§3: an ID token only for ``openid`` requests; at the authorization endpoint only
    when the response type names ``id_token`` (a ``code`` response carries none)."""
    if not request.scopes or "openid" not in request.scopes:
        return False
    response_type = getattr(request, "response_type", None)
    return not response_type or "id_token" in split_values(response_type)


def add_id_token(request_validator: Any, token: dict, token_handler: Any, request: Any,
                 nonce: Optional[str] = None) -> dict:
    """Add ``id_token`` to ``token`` when the request calls for one; return ``token``.

    ``at_hash`` when an access token is in the same response (§3.1.3.6 OPTIONAL for
    code, §3.2.2.10 REQUIRED for ``id_token token``); ``c_hash`` when a code is
    (§3.3.2.11). The hashes use the hash of the signing algorithm.
    """
    if not wants_id_token(request):
        return token
    ready = request_validator.get_id_token(token, token_handler, request)
    if ready:
        token["id_token"] = ready
        return token
    alg = signing_alg(request_validator, request)
    id_token: dict[str, Any] = {"aud": request.client_id, "iat": int(time.time())}
    if nonce is not None:
        id_token["nonce"] = nonce
    if "access_token" in token:
        id_token["at_hash"] = jose.token_hash(token["access_token"], alg)
    if "code" in token:
        id_token["c_hash"] = jose.token_hash(token["code"], alg)
    token["id_token"] = request_validator.finalize_id_token(id_token, token, token_handler,
                                                            request)
    return token


def complete_id_token(id_token: Mapping[str, Any], *, issuer: str, subject: str,
                      lifetime: int = DEFAULT_ID_TOKEN_LIFETIME,
                      auth_time: Optional[int] = None, acr: Optional[str] = None,
                      amr: Optional[Iterable[str]] = None,
                      user_claims: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The full claim set of an ID token (§2).

    ``iss``, ``sub``, ``aud``, ``exp``, ``iat`` are REQUIRED; ``auth_time`` is added
    whenever known (§2: REQUIRED when max_age was requested, and its value must be
    the time of the real login, never the time of issue); ``acr`` / ``amr`` when the
    application supplies them; ``azp`` when the token has several audiences (§2).
    User claims never override the protocol claims.
    """
    claims: dict[str, Any] = dict(user_claims or {})
    claims.update(id_token)
    iat = int(claims.get("iat") or time.time())
    claims.update({"iss": issuer, "sub": subject, "iat": iat, "exp": iat + int(lifetime)})
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    if acr:
        claims["acr"] = acr
    if amr:
        claims["amr"] = list(amr)
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1:
        claims.setdefault("azp", id_token.get("azp") or aud[0])
    return claims
