"""Signed request objects: authorization request parameters in a JWT (RFC 9101, JAR).

RFC 9101 §2.1: the Request Object is a JWT whose claims are the authorization request
parameters; §5: it travels by value in the ``request`` parameter. Rules kept here:

- it must be signed (§4: "MUST be signed"; ``none`` and unsigned are refused) with an
  ``alg`` of the server's list and a key of the client (§6.2);
- ``iss`` is the ``client_id``, ``aud`` the issuer identifier of this server (§4:
  "the value of aud should be the value of the authorization server (AS) issuer");
- its ``client_id`` claim is required and must equal the ``client_id`` query parameter
  (§5: "the client_id ... MUST match");
- ``exp`` and ``nbf``, when present, are honoured; ``jti`` is optional;
- it must not hold ``request`` or ``request_uri`` (§4: "MUST NOT include the request
  or request_uri parameters").

§5 on the parameters: "The authorization server MUST only use the parameters in the
Request Object, even if the same parameter is provided in the query parameter." So the
object's claims replace the query; only ``client_id`` (checked equal) is kept from it.

Framework-free; JOSE through :mod:`.jose`. Refusals raise :class:`RequestObjectRefused`
(``invalid_request_object``), whose message never holds the object.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from . import jose

__all__ = ["LEEWAY", "RequestObjectRefused", "parameters_of", "verify_request_object"]

#: Clock skew allowed on ``exp`` and ``nbf``, in seconds.
LEEWAY = 30
#: JWT claims that describe the object itself, not the authorization request.
_JWT_CLAIMS = ("iss", "aud", "exp", "nbf", "iat", "jti", "sub")


class RequestObjectRefused(ValueError):
    """The request object cannot be used (OpenID Connect Core §3.1.2.6, RFC 9101 §6.3:
    ``invalid_request_object``)."""


def verify_request_object(token: str, keys: Sequence[Mapping[str, Any]], *, client_id: str,
                          issuer: str, algorithms: Sequence[str], now: float,
                          leeway: int = LEEWAY) -> dict[str, Any]:
    """Verify ``token`` for ``client_id`` at ``issuer``; return its claims."""
    try:
        alg = jose.unverified_header(token).get("alg")
    except jose.JoseError:
        raise RequestObjectRefused("The request object is not a signed JWT.") from None
    if not isinstance(alg, str) or alg.lower() == "none":
        raise RequestObjectRefused("The request object must be signed (RFC 9101 §4).")
    if not keys:
        raise RequestObjectRefused("The client has no keys to verify a request object.")
    try:
        _, claims = jose.verify(token, list(keys), algorithms)
    except jose.JoseError:
        raise RequestObjectRefused("The request object's signature does not verify with "
                                   "an accepted algorithm and a key of the client.") from None
    _check_claims(claims, client_id, issuer, now, leeway)
    return claims


def _check_claims(claims: Mapping[str, Any], client_id: str, issuer: str, now: float,
                  leeway: int) -> None:
    if claims.get("client_id") != client_id:
        raise RequestObjectRefused("The request object's client_id is not the request's.")
    if claims.get("iss") != client_id:
        raise RequestObjectRefused("The request object's iss is not the client_id.")
    aud = claims.get("aud")
    if not (aud == issuer or (isinstance(aud, list) and aud == [issuer])):
        raise RequestObjectRefused("The request object's aud is not this server's issuer.")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    for name, value in (("exp", exp), ("nbf", nbf)):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, (int, float))):
            raise RequestObjectRefused(f"The request object's {name} is not a NumericDate.")
    if exp is not None and exp <= now - leeway:
        raise RequestObjectRefused("The request object has expired.")
    if nbf is not None and nbf > now + leeway:
        raise RequestObjectRefused("The request object is not valid yet (nbf).")
    if "request" in claims or "request_uri" in claims:
        raise RequestObjectRefused("A request object must not hold request or request_uri.")


def parameters_of(claims: Mapping[str, Any]) -> dict[str, str]:
    """The authorization request parameters of verified claims, as query values.

    JWT claims about the object (``iss``, ``aud``, ``exp``, ...) are dropped; strings stay,
    numbers become their decimal text (``max_age``), objects JSON (``claims``, OpenID
    Connect Core §5.5; ``authorization_details``, RFC 9396).
    """
    parameters: dict[str, str] = {}
    for name, value in claims.items():
        if name in _JWT_CLAIMS or value is None:
            continue
        if isinstance(value, str):
            parameters[name] = value
        elif isinstance(value, bool):
            raise RequestObjectRefused(f"The request object's {name} is not a string.")
        elif isinstance(value, int):
            parameters[name] = str(value)
        elif isinstance(value, (dict, list)):
            parameters[name] = json.dumps(value, separators=(",", ":"))
        else:
            raise RequestObjectRefused(f"The request object's {name} cannot be a parameter.")
    return parameters
