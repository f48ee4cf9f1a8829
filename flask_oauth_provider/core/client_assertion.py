"""Client authentication with a signed JWT: ``private_key_jwt`` and ``client_secret_jwt``.

RFC 7521 §4.2 carries the assertion in two form parameters, ``client_assertion_type``
(``urn:ietf:params:oauth:client-assertion-type:jwt-bearer``, RFC 7523 §2.2) and
``client_assertion``; RFC 7523 §3 lists the claims; OpenID Connect Core §9 names the two
methods: ``private_key_jwt`` (signed with the client's private key, verified with the
public keys it registered) and ``client_secret_jwt`` (an HMAC keyed with its secret).

The claim rules, one by one (RFC 7523 §3, items 1 to 7):

- ``iss`` and ``sub`` are both the ``client_id`` (OpenID Connect Core §9 too);
- ``aud`` names this authorization server: its issuer identifier or the URL of its
  token endpoint (or of the endpoint that receives the assertion); a single value, or
  an array holding exactly one: an audience that also names another server is
  refused, so an assertion made for someone else cannot be played here (the
  draft-ietf-oauth-rfc7523bis audience rule);
- ``exp`` is required and lies in the future; the assertion must be short-lived: at
  most :data:`MAX_LIFETIME` seconds from now (and from ``iat``, when given);
- ``nbf`` and ``iat``, when given, are not in the future (:data:`LEEWAY` seconds of
  clock skew allowed);
- ``jti`` is required (OpenID Connect Core §9) and single-use: the caller remembers it
  until ``exp`` (the replay store).

Framework-free; the JOSE work goes through :mod:`.jose`. Refusals raise
:class:`AssertionRefused`, whose message says what failed and never holds the assertion.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from . import jose

__all__ = [
    "ASSERTION_TYPE",
    "AssertionRefused",
    "AssertionRules",
    "LEEWAY",
    "MAX_LIFETIME",
    "METHOD_CLIENT_SECRET_JWT",
    "METHOD_PRIVATE_KEY_JWT",
    "assertion_method",
    "assertion_issuer",
    "check_assertion_claims",
    "verify_client_assertion",
]

#: RFC 7523 §2.2: the ``client_assertion_type`` of a JWT client assertion.
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: OpenID Connect Core §9 method names (RFC 7591 §2 ``token_endpoint_auth_method``).
METHOD_PRIVATE_KEY_JWT = "private_key_jwt"
METHOD_CLIENT_SECRET_JWT = "client_secret_jwt"  # noqa: S105 - a method name
JWT_METHODS = (METHOD_PRIVATE_KEY_JWT, METHOD_CLIENT_SECRET_JWT)
#: Longest accepted assertion lifetime, in seconds. Clients make a fresh assertion per
#: request (requests-oauth2client: 60 s, Authlib: 3600 s by default unless configured):
#: five minutes bounds how long the server must remember a ``jti``.
MAX_LIFETIME = 300
#: Clock skew allowed on ``exp``, ``nbf`` and ``iat``, in seconds.
LEEWAY = 30
#: Longest ``jti`` kept in the replay store.
MAX_JTI_LENGTH = 255


class AssertionRefused(Exception):
    """The client assertion cannot authenticate the client (RFC 7521 §4.2.1:
    ``invalid_client``). The message names the failed rule, never the assertion."""


@dataclasses.dataclass(frozen=True)
class AssertionRules:
    """What an assertion must meet at this server, for one request.

    ``audiences``: the values of ``aud`` that name this server (issuer, token endpoint
    URL, the URL of the receiving endpoint); ``algorithms``: the ``alg`` values accepted
    for the method at hand.
    """

    audiences: frozenset[str]
    algorithms: tuple[str, ...]
    max_lifetime: int = MAX_LIFETIME
    leeway: int = LEEWAY


def assertion_method(assertion: str) -> str:
    """``client_secret_jwt`` for an HMAC-signed assertion, else ``private_key_jwt``.

    Read from the unverified header only to route the assertion to the right check;
    the client's registered method must then be this one.
    """
    try:
        alg = jose.unverified_header(assertion).get("alg")
    except jose.JoseError:
        raise AssertionRefused("The client assertion is not a compact JWS.") from None
    if not isinstance(alg, str) or not alg or alg.lower() == "none":
        # RFC 7523 §3 item 9: the JWT MUST be digitally signed or have a MAC.
        raise AssertionRefused("The client assertion is not signed.")
    return METHOD_CLIENT_SECRET_JWT if alg.upper().startswith("HS") else METHOD_PRIVATE_KEY_JWT


def assertion_issuer(assertion: str) -> Optional[str]:
    """The unverified ``iss`` of the assertion: which client to load (RFC 7521 §4.2,
    ``client_id`` may be left out). ``None`` when there is no usable one."""
    try:
        issuer = jose.unverified_claims(assertion).get("iss")
    except jose.JoseError:
        return None
    return issuer if isinstance(issuer, str) and issuer else None


def verify_client_assertion(assertion: str, client_id: str, rules: AssertionRules, now: float,
                            *, keys: Optional[Sequence[Mapping[str, Any]]] = None,
                            secret: Optional[str] = None) -> dict[str, Any]:
    """Verify the signature (``keys`` for private_key_jwt, ``secret`` for
    client_secret_jwt) and the RFC 7523 §3 claims; return the claims.

    The caller still has to spend the ``jti`` (single use) in its replay store.
    """
    try:
        if secret is not None:
            _, claims = jose.verify_with_secret(assertion, secret, rules.algorithms)
        else:
            _, claims = jose.verify(assertion, list(keys or ()), rules.algorithms)
    except jose.JoseError as exc:
        raise AssertionRefused(f"The client assertion does not verify: {exc}") from None
    check_assertion_claims(claims, client_id, rules, now)
    return claims


def check_assertion_claims(claims: Mapping[str, Any], client_id: str, rules: AssertionRules,
                           now: float) -> None:
    """RFC 7523 §3 items 1-7 on verified ``claims``; :class:`AssertionRefused` otherwise."""
    if claims.get("iss") != client_id:
        raise AssertionRefused("The assertion's iss is not the client_id (RFC 7523 §3).")
    if claims.get("sub") != client_id:
        raise AssertionRefused("The assertion's sub is not the client_id (RFC 7523 §3).")
    if not _names_this_server(claims.get("aud"), rules.audiences):
        raise AssertionRefused("The assertion's aud does not name this server alone.")
    exp = _number(claims, "exp")
    if exp is None:
        raise AssertionRefused("The assertion has no exp (RFC 7523 §3).")
    if exp <= now - rules.leeway:
        raise AssertionRefused("The assertion has expired.")
    if exp - now > rules.max_lifetime + rules.leeway:
        raise AssertionRefused(f"The assertion lives longer than {rules.max_lifetime} s.")
    nbf = _number(claims, "nbf")
    if nbf is not None and nbf > now + rules.leeway:
        raise AssertionRefused("The assertion is not valid yet (nbf).")
    iat = _number(claims, "iat")
    if iat is not None:
        if iat > now + rules.leeway:
            raise AssertionRefused("The assertion was issued in the future (iat).")
        if exp - iat > rules.max_lifetime + rules.leeway:
            raise AssertionRefused(
                f"The assertion lives longer than {rules.max_lifetime} s (exp - iat).")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise AssertionRefused("The assertion has no usable jti (OpenID Connect Core §9).")


def _names_this_server(aud: Any, audiences: frozenset[str]) -> bool:
    if isinstance(aud, list):
        if len(aud) != 1:
            return False
        aud = aud[0]
    return isinstance(aud, str) and aud in audiences


def _number(claims: Mapping[str, Any], name: str) -> Optional[float]:
    """A NumericDate claim (RFC 7519 §2), ``None`` when absent; refused when malformed."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AssertionRefused(f"The assertion's {name} is not a NumericDate.")
    return float(value)
