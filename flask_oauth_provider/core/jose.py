"""Signed JSON Web Tokens and JSON Web Keys: the one module that uses the JOSE library.

Everything else in the package signs, verifies, publishes and fingerprints keys
through these functions, so the library (joserfc) can be exchanged in one place.
Keys travel through the package as JWK dictionaries (RFC 7517 §4); private members
never leave this module except through :func:`private_jwk` (for a key store).

Rules kept here:

* Only asymmetric signatures: ``RS256`` (RFC 7518 §3.3), ``ES256`` (§3.4) and
  ``EdDSA`` with Ed25519 (RFC 8037 §3.1). ``none`` and the HMAC algorithms are never
  signed with nor accepted (RFC 8725 §3.1, §3.2: "libraries MUST enable the caller
  to specify a supported set of algorithms"), whatever a token's header claims.
* Every verification names its algorithm list explicitly; a key is only used with
  the algorithm of its type (RFC 8725 §3.1: no algorithm confusion).
* ``kid`` is the RFC 7638 thumbprint of the public key unless the key brings one.
* One exception to the asymmetric rule: :func:`verify_with_secret` checks the HMAC
  of a ``client_secret_jwt`` client assertion (RFC 7523 §2.2, OpenID Connect Core §9),
  keyed with the client's own secret. It is a separate function with its own
  algorithm list (:data:`HMAC_ALGORITHMS`), so no asymmetric verification can ever
  be steered into HMAC with a public key as the secret (RFC 8725 §2.1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import warnings
from contextlib import nullcontext
from functools import lru_cache
from typing import Any, Iterable, Mapping, Optional, Sequence

from joserfc import errors as _jose_errors
from joserfc import jws as _jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey, import_key

log = logging.getLogger("flask_oauth_provider.core.jose")

#: The signing algorithms this package issues and accepts, by key type.
ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
DEFAULT_ALGORITHM = "RS256"
#: HMAC algorithms, only for :func:`verify_with_secret` (client_secret_jwt).
HMAC_ALGORITHMS: tuple[str, ...] = ("HS256", "HS384", "HS512")
#: RFC 7518 §3.2: "A key of the same size as the hash output ... or larger MUST be used".
_HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}

_KEY_TYPE = {"RS256": ("RSA", None), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}
# OpenID Connect Core §3.1.3.6 (at_hash) / §3.3.2.11 (c_hash): the hash of the alg.
# For EdDSA over Ed25519 the hash is SHA-512 (OpenID Connect Core errata set 2).
_HASH = {"RS256": hashlib.sha256, "ES256": hashlib.sha256, "EdDSA": hashlib.sha512}
_PUBLIC_MEMBERS = {
    "RSA": ("kty", "n", "e"),
    "EC": ("kty", "crv", "x", "y"),
    "OKP": ("kty", "crv", "x"),
}
_METADATA_MEMBERS = ("kid", "use", "alg")
#: Larger compact tokens are refused before parsing (RFC 8725 §3.11 spirit: bounded work).
MAX_TOKEN_LENGTH = 16_384


class JoseError(ValueError):
    """A token or key that cannot be used: bad format, signature, algorithm or key.

    The message never contains the token or key material.
    """


def _check_algorithm(alg: str) -> None:
    if alg not in ALGORITHMS:
        raise JoseError(f"Unsupported signing algorithm {alg!r}; use one of {list(ALGORITHMS)}.")


def algorithm_for_key(jwk: Mapping[str, Any]) -> str:
    """The algorithm a JWK signs with: its ``alg`` member, else the one of its type."""
    alg = jwk.get("alg")
    if alg:
        _check_algorithm(alg)
        _check_key_type(jwk, alg)
        return alg
    for alg, (kty, crv) in _KEY_TYPE.items():
        if jwk.get("kty") == kty and (crv is None or jwk.get("crv") == crv):
            return alg
    raise JoseError("The key type is not one of RSA, EC P-256 or OKP Ed25519.")


def _check_key_type(jwk: Mapping[str, Any], alg: str) -> None:
    kty, crv = _KEY_TYPE[alg]
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise JoseError(f"A {jwk.get('kty')} key cannot be used with {alg}.")


# -- keys ----------------------------------------------------------------------------------


def generate_key(alg: str = DEFAULT_ALGORITHM) -> dict[str, Any]:
    """A new private signing key for ``alg`` as a JWK, with ``kid``, ``use`` and ``alg``.

    RSA keys have 2048 bits (RFC 7518 §3.3: "A key of size 2048 bits or larger MUST
    be used"); EC keys use P-256, OKP keys Ed25519. ``kid`` is the RFC 7638
    thumbprint of the public key.
    """
    _check_algorithm(alg)
    parameters = {"use": "sig", "alg": alg}
    if alg == "RS256":
        key = RSAKey.generate_key(2048, parameters, auto_kid=True)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters, auto_kid=True)
    else:
        key = OKPKey.generate_key("Ed25519", parameters, auto_kid=True)
    return dict(key.as_dict(private=True))


def _frozen(jwk: Mapping[str, Any]) -> str:
    return json.dumps(dict(jwk), sort_keys=True)


@lru_cache(maxsize=64)
def _load(frozen_jwk: str) -> Any:
    """Parse a JWK once: loading an RSA private key costs milliseconds."""
    try:
        return import_key(json.loads(frozen_jwk))
    except (_jose_errors.JoseError, ValueError, TypeError, KeyError) as exc:
        raise JoseError("The JWK cannot be imported.") from exc


def import_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Check a JWK (private or public) and return it with ``kid`` and ``alg`` filled in.

    Raises :class:`JoseError` for a malformed key, a symmetric key (``oct``) or a type
    or curve outside :data:`ALGORITHMS`.
    """
    if not isinstance(jwk, Mapping) or jwk.get("kty") == "oct":
        raise JoseError("Only RSA, EC P-256 and OKP Ed25519 keys can sign here.")
    alg = algorithm_for_key(jwk)
    _load(_frozen(jwk))
    result = dict(jwk)
    result["alg"] = alg
    result.setdefault("kid", thumbprint(jwk))
    return result


def import_jwk_set(jwks: Any) -> list[dict[str, Any]]:
    """The keys of a JWK set (RFC 7517 §5: ``{"keys": [...]}``), each through
    :func:`import_jwk`; a JSON string is parsed first. Kids must be distinct."""
    if isinstance(jwks, (str, bytes)):
        try:
            jwks = json.loads(jwks)
        except ValueError as exc:
            raise JoseError("The JWK set is not JSON.") from exc
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise JoseError('A JWK set is a JSON object with a "keys" array (RFC 7517 §5).')
    keys = [import_jwk(jwk) for jwk in jwks["keys"]]
    kids = [key["kid"] for key in keys]
    if len(set(kids)) != len(kids):
        raise JoseError("Two keys of the JWK set share a kid.")
    return keys


def is_private(jwk: Mapping[str, Any]) -> bool:
    """Whether the JWK holds a private key (``d``, RFC 7518 §6.2.2.1, §6.3.2.1)."""
    return "d" in jwk


def public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Only the public members of a key, with ``kid``, ``use`` and ``alg``: what may be
    published (RFC 7517 §4, RFC 7518 §6)."""
    members = _PUBLIC_MEMBERS.get(jwk.get("kty", ""))
    if members is None:
        raise JoseError("Only RSA, EC and OKP keys can be published.")
    result = {name: jwk[name] for name in members if name in jwk}
    for name in _METADATA_MEMBERS:
        if name in jwk:
            result[name] = jwk[name]
    # Computed only when missing: a thumbprint is a JSON dump and a hash, per call.
    if "kid" not in result:
        result["kid"] = thumbprint(jwk)
    result.setdefault("use", "sig")
    if "alg" not in result:
        result["alg"] = algorithm_for_key(jwk)
    return result


def public_jwk_set(keys: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"keys": [...]}`` with the public part of each key (RFC 7517 §5)."""
    return {"keys": [public_jwk(jwk) for jwk in keys]}


def private_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The full private JWK, for a key store that encrypts it before saving."""
    if not is_private(jwk):
        raise JoseError("The key has no private part.")
    return dict(jwk)


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint (SHA-256, base64url) of a key's public part.

    RFC 7638 §3.2: the required members only, in lexicographic order, no spaces.
    """
    members = _PUBLIC_MEMBERS.get(jwk.get("kty", ""))
    if members is None:
        raise JoseError("Only RSA, EC and OKP keys have a thumbprint here.")
    try:
        required = {name: jwk[name] for name in members}
    except KeyError as exc:
        raise JoseError("The JWK lacks a required member.") from exc
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


# -- signing and verifying -----------------------------------------------------------------


def sign(claims: Mapping[str, Any], jwk: Mapping[str, Any], *, typ: Optional[str] = "JWT",
         headers: Optional[Mapping[str, Any]] = None) -> str:
    """A compact JWS (RFC 7515 §7.1) of ``claims`` signed with the private ``jwk``.

    The header carries ``alg`` (of the key), ``kid`` and ``typ`` (RFC 7519 §5.1).
    """
    if not is_private(jwk):
        raise JoseError("Signing needs a private key.")
    alg = algorithm_for_key(jwk)
    header: dict[str, Any] = dict(headers or {})
    header.update({"alg": alg, "kid": jwk.get("kid") or thumbprint(jwk)})
    if typ:
        header["typ"] = typ
    payload = json.dumps(dict(claims), separators=(",", ":"))
    key = _load(_frozen(jwk))
    with _quiet_eddsa() if alg == "EdDSA" else nullcontext():
        return _jws.serialize_compact(header, payload, key, algorithms=[alg])


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, not verified: only to pick a key by ``kid``."""
    segments = _segments(token)
    try:
        header = json.loads(_b64url_decode(segments[0]))
    except ValueError as exc:
        raise JoseError("The token header is not base64url JSON.") from exc
    if not isinstance(header, dict):
        raise JoseError("The token header is not a JSON object.")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWS, NOT verified: only to find whose key verifies it
    (the ``iss`` of a client assertion, RFC 7521 §4.2). Never trust them before
    :func:`verify`."""
    segments = _segments(token)
    return _claims_of(_b64url_decode(segments[1]))


def verify(token: str, keys: Sequence[Mapping[str, Any]],
           algorithms: Sequence[str] = ALGORITHMS) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS against ``keys``; return ``(header, claims)``.

    The header's ``alg`` must be in ``algorithms`` (a subset of :data:`ALGORITHMS`)
    and match the key's type; the key is chosen by ``kid`` (RFC 7515 §4.1.4), or, if
    the token has none, each key of a matching type is tried. The claims must be a
    JSON object. Nothing about the claims (exp, aud, ...) is checked here.
    """
    allowed = [alg for alg in algorithms if alg in ALGORITHMS]
    header = unverified_header(token)
    alg = header.get("alg")
    if alg not in allowed:
        raise JoseError(f"The token's algorithm {alg!r} is not accepted.")
    for jwk in _candidate_keys(header, keys, alg):
        key = _load(_frozen(public_jwk(jwk)))
        try:
            with _quiet_eddsa() if alg == "EdDSA" else nullcontext():
                signature = _jws.deserialize_compact(token, key, algorithms=[alg])
        except _jose_errors.BadSignatureError:
            continue
        except (_jose_errors.JoseError, ValueError) as exc:
            raise JoseError("The token cannot be verified.") from exc
        return header, _claims_of(signature.payload)
    raise JoseError("The token signature does not verify with any known key.")


def verify_with_secret(token: str, secret: str,
                       algorithms: Sequence[str] = HMAC_ALGORITHMS
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify an HMAC-signed compact JWS keyed with ``secret``; return ``(header, claims)``.

    Only for ``client_secret_jwt`` (RFC 7523 §2.2, OpenID Connect Core §9: "the JWT
    is signed using ... HMAC SHA algorithm ... using the octets of the UTF-8
    representation of the client_secret as the shared key"). The header's ``alg``
    must be in ``algorithms`` (a subset of :data:`HMAC_ALGORITHMS`), and the secret at
    least as long as the hash (RFC 7518 §3.2).
    """
    allowed = [alg for alg in algorithms if alg in HMAC_ALGORITHMS]
    header = unverified_header(token)
    alg = header.get("alg")
    if alg not in allowed:
        raise JoseError(f"The token's algorithm {alg!r} is not accepted.")
    raw = (secret or "").encode("utf-8")
    if len(raw) < _HMAC_KEY_BYTES[alg]:
        raise JoseError(f"The shared secret is too short for {alg}.")
    try:
        signature = _jws.deserialize_compact(token, OctKey.import_key(raw), algorithms=[alg])
    except _jose_errors.BadSignatureError:
        raise JoseError("The token signature does not verify.") from None
    except (_jose_errors.JoseError, ValueError) as exc:
        raise JoseError("The token cannot be verified.") from exc
    return header, _claims_of(signature.payload)


def sign_with_secret(claims: Mapping[str, Any], secret: str, alg: str = "HS256") -> str:
    """An HMAC-signed compact JWS (a ``client_secret_jwt`` assertion, for clients and tests)."""
    if alg not in HMAC_ALGORITHMS:
        raise JoseError(f"Unsupported HMAC algorithm {alg!r}.")
    payload = json.dumps(dict(claims), separators=(",", ":"))
    key = OctKey.import_key(secret.encode("utf-8"))
    return _jws.serialize_compact({"alg": alg, "typ": "JWT"}, payload, key, algorithms=[alg])


def _claims_of(payload: bytes) -> dict[str, Any]:
    try:
        claims = json.loads(payload)
    except ValueError as exc:
        raise JoseError("The token payload is not JSON.") from exc
    if not isinstance(claims, dict):
        raise JoseError("The token payload is not a JSON object.")
    return claims


def _candidate_keys(header: Mapping[str, Any], keys: Sequence[Mapping[str, Any]],
                    alg: str) -> list[Mapping[str, Any]]:
    kid = header.get("kid")
    found = []
    for jwk in keys:
        if kid is not None and jwk.get("kid") != kid:
            continue
        try:
            if algorithm_for_key(jwk) == alg:
                found.append(jwk)
        except JoseError:
            continue
    return found


#: Algorithms a header-embedded key may sign with (DPoP proofs, RFC 9449 §4.2), by the
#: key type each needs. PS256 is here besides :data:`ALGORITHMS` since FAPI 2.0 clients
#: use it; the package itself never signs with it.
EMBEDDED_KEY_ALGORITHMS = {"ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519"),
                           "RS256": ("RSA", None), "PS256": ("RSA", None)}
#: RFC 7518 §3.3 / §3.5: RSA keys of fewer bits MUST NOT be used.
_MIN_RSA_BITS = 2048
#: A header that embeds an RSA key is longer than joserfc's default limit of 512 bytes.
_EMBEDDED_KEY_REGISTRY = _jws.JWSRegistry(algorithms=list(EMBEDDED_KEY_ALGORITHMS))
_EMBEDDED_KEY_REGISTRY.max_header_length = 2048


def verify_with_embedded_key(token: str, algorithms: Sequence[str]
                             ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS with the public key of its own ``jwk`` header (RFC 7515
    §4.1.3); return ``(header, claims, public_jwk)``.

    For proofs of possession (RFC 9449 §4.3): ``alg`` must be in ``algorithms`` (a
    subset of :data:`EMBEDDED_KEY_ALGORITHMS`: never ``none`` or HMAC) and fit the
    key's type; a ``jwk`` holding a private part (``d``, or any RSA private member) is
    refused, as is an RSA key under 2048 bits. The claims must be a JSON object.
    """
    header = unverified_header(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in EMBEDDED_KEY_ALGORITHMS:
        raise JoseError(f"The algorithm {alg!r} is not accepted.")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise JoseError("The header has no jwk object.")
    if any(name in jwk for name in ("d", "p", "q", "dp", "dq", "qi", "oth", "k")):
        raise JoseError("The jwk header holds a private key.")
    kty, crv = EMBEDDED_KEY_ALGORITHMS[alg]
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise JoseError(f"The jwk header is not a key for {alg}.")
    members = _PUBLIC_MEMBERS[kty]
    if not all(isinstance(jwk.get(name), str) and jwk.get(name) for name in members):
        raise JoseError("The jwk header lacks a public member.")
    public = {name: jwk[name] for name in members}
    if kty == "RSA" and len(_b64url_decode(public["n"]).lstrip(b"\0")) * 8 < _MIN_RSA_BITS:
        raise JoseError("The RSA key is shorter than 2048 bits.")
    key = _load(_frozen(public))
    try:
        with _quiet_eddsa():
            signature = _jws.deserialize_compact(token, key, algorithms=[alg],
                                                 registry=_EMBEDDED_KEY_REGISTRY)
    except Exception as exc:  # noqa: BLE001 - whatever the library trips on is a refusal
        # The header is the sender's (crit, b64, ... of any JSON type): no failure of
        # the library on it may become a 500.
        raise JoseError("The signature does not verify with the jwk header.") from exc
    try:
        claims = json.loads(signature.payload)
    except ValueError as exc:
        raise JoseError("The token payload is not JSON.") from exc
    if not isinstance(claims, dict):
        raise JoseError("The token payload is not a JSON object.")
    return header, claims, public


def sha256_b64url(value: str) -> str:
    """base64url (no padding) of the SHA-256 of ``value`` (ASCII): RFC 9449 §4.2 ``ath``."""
    return _b64url(hashlib.sha256(value.encode("ascii")).digest())


def token_hash(value: str, alg: str) -> str:
    """``at_hash`` / ``c_hash``: base64url of the left half of the hash of ``value``.

    OpenID Connect Core §3.1.3.6 / §3.3.2.11: "the hash algorithm used is the hash
    algorithm used in the alg Header Parameter of the ID Token's JOSE Header ...
    take the left-most half of the hash and base64url-encode it."
    """
    _check_algorithm(alg)
    digest = _HASH[alg](value.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


# -- helpers -------------------------------------------------------------------------------


def _segments(token: Any) -> list[str]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise JoseError("The token is not a compact JWS of acceptable size.")
    segments = token.split(".")
    if len(segments) != 3 or not all(segments):
        raise JoseError("A compact JWS has three non-empty parts (RFC 7515 §7.1).")
    return segments


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, TypeError) as exc:
        raise JoseError("Not base64url.") from exc


class _quiet_eddsa(warnings.catch_warnings):
    """joserfc warns that ``EdDSA`` is superseded by ``Ed25519`` (RFC 9864); OpenID
    Connect clients know ``EdDSA``, so it stays the published name."""

    def __enter__(self) -> Any:
        result = super().__enter__()
        warnings.filterwarnings(
            "ignore", message=".*EdDSA.*", category=_jose_errors.SecurityWarning)
        return result
