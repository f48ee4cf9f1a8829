"""DPoP proofs (RFC 9449): checking one, server nonces, and the key a token is bound to.

Framework-free. :func:`verify_proof` runs the checks of RFC 9449 §4.3 on the value of a
``DPoP`` header and returns the RFC 7638 thumbprint (``jkt``) of the proof's key, or
raises :class:`InvalidDPoPProofError` (``invalid_dpop_proof``) or
:class:`UseDPoPNonceError` (``use_dpop_nonce``). What needs shared state is handed in
as callables: whether a nonce is current (:class:`NonceSource` derives them statelessly)
and whether a ``jti`` is used for the first time (the replay store).

:func:`check_presentation` is the rule of a protected resource (RFC 9449 §7): a token
bound to a key needs the ``DPoP`` scheme and a proof by that key whose ``ath`` is the
token's hash; a bound token sent as ``Bearer`` is refused.

The thumbprint a code or token being issued is bound to is kept on the core request
by :func:`bind` and read with :func:`bound_jkt`: only ever from what the DPoP checks
set, never from a request parameter of the same name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import math
import re
from typing import Any, Callable, Optional, Sequence
from urllib.parse import urlsplit, urlunsplit

from . import errors, jose

log = logging.getLogger("flask_oauth_provider.core.dpop")

__all__ = [
    "DEFAULT_ALGORITHMS", "PROOF_TYP", "InvalidDPoPProofError", "UseDPoPNonceError",
    "NonceSource", "access_token_hash", "bind", "bound_jkt", "check_presentation",
    "grant_jkt", "is_thumbprint", "normalize_htu", "remember_grant_jkt", "verify_proof",
]

#: RFC 9449 §4.2: the ``typ`` header of a proof.
PROOF_TYP = "dpop+jwt"
#: The asymmetric algorithms accepted by default (FAPI 2.0: PS256, ES256, EdDSA).
DEFAULT_ALGORITHMS: tuple[str, ...] = ("ES256", "EdDSA", "PS256", "RS256")
#: Default seconds a proof is accepted after its ``iat`` (RFC 9449 §11.1: a short
#: window); its ``jti`` is remembered that long.
DEFAULT_LIFETIME = 120
#: Seconds a proof's ``iat`` may lie in the future (the client's clock runs ahead).
FUTURE_LEEWAY = 10
#: Longest proof accepted (bounded work before parsing; RFC 9449 proofs are small).
MAX_PROOF_LENGTH = 4096
#: Seconds a server nonce stays current; the previous one is accepted too.
NONCE_PERIOD = 300

_THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = re.compile(r"%([0-9A-Fa-f]{2})")
_ATTRIBUTE = "dpop_jkt"
_GRANT_ATTRIBUTE = "dpop_grant_jkt"


class InvalidDPoPProofError(errors.OAuth2Error):
    """RFC 9449 §5 / §7.1 ``invalid_dpop_proof``: the proof is missing, malformed or
    fails a §4.3 check. 400 at the token endpoint; a resource answers 401."""

    error = "invalid_dpop_proof"
    status_code = 400


class UseDPoPNonceError(errors.OAuth2Error):
    """RFC 9449 §8 / §9 ``use_dpop_nonce``: the proof must carry the server's nonce,
    given in the ``DPoP-Nonce`` header of this answer."""

    error = "use_dpop_nonce"
    status_code = 400

    def __init__(self, nonce: str, description: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(description or "Sign the proof again with the DPoP-Nonce given.",
                         **kwargs)
        self.nonce = nonce

    @property
    def headers(self) -> dict[str, str]:
        return {"DPoP-Nonce": self.nonce}


# -- the binding on the core request -------------------------------------------------------


def bind(request: Any, jkt: Optional[str]) -> None:
    """Bind the code or token being issued for ``request`` to the key ``jkt``."""
    vars(request)[_ATTRIBUTE] = jkt


def bound_jkt(request: Any) -> Optional[str]:
    """The ``jkt`` the code or token being issued is bound to (set by :func:`bind`
    only; a request parameter named ``dpop_jkt`` is never read here)."""
    return vars(request).get(_ATTRIBUTE) if hasattr(request, "__dict__") else None


def remember_grant_jkt(request: Any, jkt: Optional[str]) -> None:
    """For a store: the code or refresh token presented is bound to ``jkt``."""
    vars(request)[_GRANT_ATTRIBUTE] = jkt if isinstance(jkt, str) and jkt else None


def grant_jkt(request: Any) -> Optional[str]:
    """The ``jkt`` the presented code or refresh token is bound to, as the store said."""
    return vars(request).get(_GRANT_ATTRIBUTE) if hasattr(request, "__dict__") else None


def is_thumbprint(value: Any) -> bool:
    """A SHA-256 JWK thumbprint: 43 base64url characters (RFC 7638, RFC 9449 §10)."""
    return isinstance(value, str) and bool(_THUMBPRINT.match(value))


# -- the checks of RFC 9449 §4.3 -----------------------------------------------------------


def access_token_hash(access_token: str) -> str:
    """RFC 9449 §4.2 ``ath``: base64url of the SHA-256 of the token's ASCII value."""
    return jose.sha256_b64url(access_token)


def normalize_htu(uri: str) -> str:
    """The URI as RFC 9449 §4.3 compares it: no query or fragment, with RFC 3986
    §6.2.2 syntax-based (case of scheme, host and percent-encodings, unreserved
    characters decoded, dot segments) and §6.2.3 scheme-based normalisation (default
    port dropped, empty path is ``/``). ``ValueError`` for what is not an http(s) URI."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("not an http(s) URI")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port  # ValueError for a bad port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_UNRESERVED.sub(_percent, parts.path)) or "/"
    return urlunsplit((scheme, netloc, path, "", ""))


def _percent(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return char
    return "%" + match.group(1).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, for an absolute path."""
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    ends_with_dir = path.endswith(("/.", "/.."))
    return "/" + "/".join(output) + ("/" if ends_with_dir and output else "")


def verify_proof(proof: Optional[str], http_method: str, uri: str, *, now: float,
                 algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
                 access_token: Optional[str] = None,
                 nonce_valid: Optional[Callable[[Optional[str]], Optional[str]]] = None,
                 jti_unused: Optional[Callable[[str, float], bool]] = None,
                 lifetime: int = DEFAULT_LIFETIME) -> str:
    """Check a DPoP proof (RFC 9449 §4.3); return the ``jkt`` of its key.

    ``proof`` is the ``DPoP`` header's value (``None``: absent); several headers arrive
    joined by commas. In §4.3's order: exactly one proof (1), a well-formed JWT (2)
    of typ ``dpop+jwt`` (4) with an ``alg`` of ``algorithms`` (5), signed by (6) the
    public key in its ``jwk`` header, never a private one (7); ``jti``, ``htm``,
    ``htu`` and ``iat`` present (3); ``htm`` is ``http_method`` (8), ``htu`` is ``uri``
    without query and fragment (9; the claim must have neither); ``iat`` no older
    than ``lifetime`` seconds and at most :data:`FUTURE_LEEWAY` ahead of ``now``
    (11); with ``access_token``, ``ath`` is its hash (12). ``nonce_valid(nonce)``
    returns ``None`` when the proof's ``nonce`` is current, else the nonce to use
    (10: :class:`UseDPoPNonceError`). Last, ``jti_unused(jti, expires_at)`` must be
    true (the replay store; §11.1): a proof is used once.
    """
    if not proof:
        raise InvalidDPoPProofError("A DPoP proof is required (RFC 9449 section 4.3).")
    if len(proof) > MAX_PROOF_LENGTH:
        raise InvalidDPoPProofError("The DPoP proof is too large.")
    if "," in proof or proof.strip() != proof or proof.count(".") != 2:
        raise InvalidDPoPProofError(
            "Send exactly one DPoP header holding one compact JWT (RFC 9449 section 4.3).")
    header, claims, public_jwk = _signed_parts(proof, algorithms)
    _check_claims(claims, http_method, uri, now, lifetime, access_token)
    if nonce_valid is not None:
        fresh = nonce_valid(claims.get("nonce"))
        if fresh is not None:
            raise UseDPoPNonceError(fresh)
    jkt = _thumbprint(tuple(sorted(public_jwk.items())))
    if jti_unused is not None and not jti_unused(claims["jti"], claims["iat"] + lifetime):
        log.info("DPoP proof refused: its jti was used before")
        raise InvalidDPoPProofError("This DPoP proof was used before (RFC 9449 section 11.1).")
    return jkt


@functools.lru_cache(maxsize=256)
def _thumbprint(members: tuple) -> str:
    """RFC 7638 thumbprint of a proof key, once per key (a client signs many proofs)."""
    return jose.thumbprint(dict(members))


def _signed_parts(proof: str, algorithms: Sequence[str]) -> tuple[dict, dict, dict]:
    try:
        header = jose.unverified_header(proof)
    except jose.JoseError:
        raise InvalidDPoPProofError("The DPoP proof is not a well-formed JWT.") from None
    if header.get("typ") != PROOF_TYP:
        raise InvalidDPoPProofError('The DPoP proof\'s typ must be "dpop+jwt".')
    if header.get("alg") not in algorithms:
        raise InvalidDPoPProofError(
            f"The DPoP proof must be signed with one of {', '.join(algorithms)}.")
    try:
        return jose.verify_with_embedded_key(proof, algorithms)
    except jose.JoseError as exc:
        log.info("DPoP proof refused: %s", exc)
        raise InvalidDPoPProofError(
            "The DPoP proof's jwk header must be a public key that verifies its "
            "signature.") from None


def _check_claims(claims: dict, http_method: str, uri: str, now: float, lifetime: int,
                  access_token: Optional[str]) -> None:
    for name in ("jti", "htm", "htu"):
        value = claims.get(name)
        if not isinstance(value, str) or not value or len(value) > 2048:
            raise InvalidDPoPProofError(f"The DPoP proof lacks a valid {name} claim.")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool) or not math.isfinite(iat):
        raise InvalidDPoPProofError("The DPoP proof lacks a valid iat claim.")
    if claims["htm"] != http_method:
        raise InvalidDPoPProofError("The DPoP proof's htm is not this request's method.")
    if not _same_htu(claims["htu"], uri):
        raise InvalidDPoPProofError("The DPoP proof's htu is not this request's URI.")
    if iat < now - lifetime or iat > now + FUTURE_LEEWAY:
        raise InvalidDPoPProofError("The DPoP proof's iat is too far from now.")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str):
            raise InvalidDPoPProofError("The DPoP proof lacks the ath claim.")
        if not hmac.compare_digest(ath.encode(), access_token_hash(access_token).encode()):
            raise InvalidDPoPProofError("The DPoP proof's ath is not this token's hash.")


def _same_htu(htu: str, uri: str) -> bool:
    if "?" in htu or "#" in htu:
        return False
    if htu == uri.partition("?")[0] and htu.startswith(("https://", "http://")):
        return True  # what clients send: no normalisation needed
    try:
        return normalize_htu(htu) == normalize_htu(uri)
    except ValueError:
        return False


# -- protected resources (RFC 9449 §7) ------------------------------------------------------


def check_presentation(scheme: Optional[str], access_token: str, token_jkt: Optional[str],
                       proof: Optional[str], http_method: str, uri: str, *, now: float,
                       **proof_options: Any) -> Optional[str]:
    """Whether a resource request presents ``access_token`` as its binding demands.

    ``scheme`` is the lower-cased ``Authorization`` scheme, ``token_jkt`` the
    thumbprint the token is bound to (``None``: a bearer token). A bound token needs
    the ``DPoP`` scheme (RFC 9449 §7.2: as ``Bearer`` it is ``invalid_token``) and a
    proof (:func:`verify_proof` with ``ath``; the ``proof_options`` are its) by the
    bound key (else ``invalid_token``); an unbound token sent with the ``DPoP`` scheme
    is ``invalid_token`` too. Returns the proof's ``jkt`` (``None`` for a bearer call).
    """
    if scheme != "dpop":
        if token_jkt:
            raise errors.InvalidTokenError(
                "This access token is bound to a DPoP key: send it as "
                "'Authorization: DPoP' with a DPoP proof (RFC 9449 section 7.2).")
        return None
    if not token_jkt:
        raise errors.InvalidTokenError("This access token is not bound to a DPoP key.")
    jkt = verify_proof(proof, http_method, uri, now=now, access_token=access_token,
                       **proof_options)
    if not hmac.compare_digest(jkt.encode(), token_jkt.encode()):
        raise errors.InvalidTokenError(
            "The DPoP proof is not signed by the key this token is bound to.")
    return jkt


# -- server nonces (RFC 9449 §8, §9) -------------------------------------------------------


class NonceSource:
    """Server-provided nonces that any process with the same ``key`` agrees on.

    A nonce is an HMAC-SHA-256 of the current time slot (``period`` seconds) under
    ``key``, so no process keeps state: the nonce of the current slot and of the
    previous one are accepted, and the nonce rotates every ``period`` seconds.
    """

    def __init__(self, key: bytes, period: int = NONCE_PERIOD) -> None:
        if len(key) < 16:
            raise ValueError("A DPoP nonce key needs at least 16 bytes.")
        self._key = key
        self.period = period

    def _for_slot(self, slot: int) -> str:
        mac = hmac.new(self._key, b"dpop-nonce:%d" % slot, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode("ascii")

    def current(self, now: float) -> str:
        """The nonce to hand out now."""
        return self._for_slot(int(now // self.period))

    def is_valid(self, nonce: Any, now: float) -> bool:
        """Whether ``nonce`` is the current or the previous slot's."""
        if not isinstance(nonce, str) or len(nonce) > 64:
            return False
        slot = int(now // self.period)
        return any(hmac.compare_digest(nonce.encode(), self._for_slot(s).encode())
                   for s in (slot, slot - 1))

    def checker(self, now: float) -> Callable[[Optional[str]], Optional[str]]:
        """``nonce_valid`` for :func:`verify_proof`: ``None`` if current, else the
        nonce to use."""
        return lambda nonce: None if self.is_valid(nonce, now) else self.current(now)
