"""JWT access tokens (RFC 9068): made at the token endpoint, checked at the provider's views.

``OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT = "jwt"`` (or a client's ``access_token_format``)
makes the access token a JWT signed with the provider's active signing key (the key
ring of OpenID Connect); refresh tokens stay opaque. The token row is written as for an
opaque token (the digest of the JWT, the family, the expiry), so revocation,
introspection and the authorized-applications page keep working.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any, Callable, Optional

from .config import ProviderConfig
from .core import jose
from .core.dpop import bound_jkt
from .core.keyring import KeyRing
from .core.request import Request
from .core.resource_indicators import audience_claim, audience_list
from .core.tokens import random_token_generator

#: What issuing and checking need from the app: its key ring and issuer, read per call.
KeyRingGetter = Callable[[], KeyRing]
IssuerGetter = Callable[[], str]

log = logging.getLogger("flask_oauth_provider.access_tokens")

#: RFC 9068 §2.1: the ``typ`` header of a JWT access token.
TYP = "at+jwt"
ACCEPTED_TYPS = ("at+jwt", "application/at+jwt")
#: Seconds of clock difference tolerated on ``exp`` (RFC 7519 §4.1.4 "small leeway").
LEEWAY = 30
#: Preferred signing algorithm when several keys are active.
PREFERRED_ALG = "RS256"


def format_for(config: ProviderConfig, client: Any) -> str:
    """``"jwt"`` or ``"opaque"``: the client's ``access_token_format``, else the config's."""
    chosen = getattr(client, "access_token_format", None)
    return chosen if chosen in ("jwt", "opaque") else config.access_token_format


def looks_like_jwt(token: Any) -> bool:
    """Three non-empty dot-separated parts (RFC 7515 §7.1); opaque tokens have no dot."""
    if not isinstance(token, str):
        return False
    parts = token.split(".")
    return len(parts) == 3 and all(parts)


# -- issuing ------------------------------------------------------------------------------


def token_generator(config: ProviderConfig, keyring: KeyRingGetter, issuer: IssuerGetter
                    ) -> Callable[[Request], str]:
    """The access token generator of the server: a JWT for clients whose format is
    ``jwt``, else the configured generator (or 256 random bits)."""
    opaque = config.token_generator or random_token_generator

    def generate(request: Request) -> str:
        if format_for(config, getattr(request, "client", None)) != "jwt":
            return opaque(request)
        return issue(config, request, keyring(), issuer())

    return generate


def expires_in(config: ProviderConfig) -> Callable[[Request], int]:
    """Lifetimes: ``jwt_token_expires_in`` (default 300 s) for JWTs, since a resource
    server that does not introspect accepts a JWT until it expires, even revoked."""

    def lifetime(request: Request) -> int:
        if format_for(config, getattr(request, "client", None)) == "jwt":
            return config.jwt_token_expires_in
        value = config.token_expires_in
        return value(request) if callable(value) else value

    return lifetime


def issue(config: ProviderConfig, request: Request, ring: KeyRing, issuer: str) -> str:
    """A JWT access token with the claims of RFC 9068 §2.2, signed with the active key.

    ``sub`` is the user's identifier (Flask-Login's ``get_id()``), or the client's for a
    client credentials token (§2.2: "the subject SHOULD correspond to an identifier the
    authorization server uses to indicate the client application"); ``aud`` the
    token's resources (RFC 8707); ``auth_time`` and ``acr`` when the request knows them;
    ``cnf.jkt`` for a token bound to a DPoP key (RFC 9449 §6.1).
    """
    alg = PREFERRED_ALG if ring.signing_key(PREFERRED_ALG) else next(iter(ring.algorithms), None)
    key = ring.signing_key(alg) if alg else None
    if key is None:
        raise RuntimeError("JWT access tokens need an active signing key: run "
                           "`flask oauth keys rotate` or configure OAUTH2_PROVIDER_SIGNING_KEYS.")
    now = int(time.time())
    client_id = getattr(request.client, "client_id", None) or request.client_id
    claims: dict[str, Any] = {
        "iss": issuer,
        "exp": now + int(getattr(request, "expires_in", None) or config.jwt_token_expires_in),
        "aud": audience_claim(getattr(request, "resources", None) or []) or issuer,
        "sub": _subject(request.user) or client_id,
        "client_id": client_id,
        "iat": now,
        "jti": secrets.token_urlsafe(16),
        "scope": " ".join(request.scopes or []),
    }
    for name in ("auth_time", "acr"):
        value = getattr(request, name, None)
        if value is not None:
            claims[name] = value
    jkt = bound_jkt(request)
    if jkt:
        # RFC 9449 §6.1: the token names the DPoP key it is bound to.
        claims["cnf"] = {"jkt": jkt}
    return jose.sign(claims, key, typ=TYP)


def _subject(user: Any) -> Optional[str]:
    if user is None:
        return None
    get_id = getattr(user, "get_id", None)
    value = get_id() if callable(get_id) else getattr(user, "id", None)
    return str(value) if value is not None else None


# -- verifying at the provider's own views ------------------------------------------------


class VerificationKeys:
    """The key ring's public keys as this process last read them.

    Read again after ``ttl`` seconds, or at once when a token names an unknown ``kid``
    (a rotation by another process) but then at most once per ``ttl``: verifying a JWT
    at the provider costs no SQL statement of its own, and retired keys are gone
    within ``ttl`` seconds (the token's row is checked on every call anyway).
    """

    def __init__(self, keyring: KeyRingGetter, ttl: float = 30.0) -> None:
        self.keyring = keyring
        self.ttl = ttl
        self._keys: list[dict] = []
        self._read_at: Optional[float] = None

    def get(self, kid: Optional[str]) -> list[dict]:
        now = time.monotonic()
        age = None if self._read_at is None else now - self._read_at
        unknown = kid is not None and kid not in {key.get("kid") for key in self._keys}
        if age is None or age >= self.ttl or (unknown and age >= 1.0):
            self._keys = self.keyring().verification_keys()
            self._read_at = now
        return self._keys


def verify_locally(token: str, keys: VerificationKeys, issuer: str,
                   resource: Optional[str]) -> bool:
    """RFC 9068 §4 at the provider: ``typ``, the signature with a published key of the
    key ring (its algorithms only; never ``none`` or HMAC), ``iss``, ``exp`` (with
    :data:`LEEWAY`) and, when the view belongs to ``resource``, ``aud``. The scope and
    the revocation are checked by the same one SELECT as for an opaque token."""
    try:
        header = jose.unverified_header(token)
        if str(header.get("typ", "")).lower() not in ACCEPTED_TYPS:
            return False
        _, claims = jose.verify(token, keys.get(header.get("kid")))
    except jose.JoseError:
        return False
    if claims.get("iss") != issuer:
        return False
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp + LEEWAY <= time.time():
        return False
    return resource is None or resource in audience_list(claims.get("aud"))
