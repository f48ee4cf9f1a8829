"""Private signing keys at rest: AES-GCM under a key-encryption key (KEK).

The bundled key store never writes a private JWK in clear. Each key is sealed with
AES-256-GCM (NIST SP 800-38D) from ``cryptography``; the key's ``kid`` is the
associated data, so a sealed key copied onto another row does not open. The KEK
comes from configuration, or is derived from the app's ``SECRET_KEY`` with HKDF-SHA256
(RFC 5869) when no dedicated key is set. Changing the KEK means re-sealing each key
with :func:`reseal` (the CLI and the docs say how).

Sealed form: ``v1.<nonce>.<ciphertext>``, both base64url; a fresh 96-bit nonce from
``secrets`` per sealing (SP 800-38D §8.2.2).
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Mapping, Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_HKDF_INFO = b"flask-oauth-provider signing-key encryption v1"
KEK_LENGTH = 32


class KeyEncryptionError(ValueError):
    """A sealed key that does not open: wrong KEK, altered data, or another row's key."""


def derive_kek(secret_key: Union[str, bytes]) -> bytes:
    """A 256-bit KEK from the app's ``SECRET_KEY`` (HKDF-SHA256, RFC 5869 §2)."""
    if not secret_key:
        raise KeyEncryptionError("SECRET_KEY is empty: set it, or set a dedicated key "
                                 "encryption key.")
    material = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=KEK_LENGTH, salt=None,
                info=_HKDF_INFO).derive(material)


def kek_from_config(value: Union[str, bytes, None], secret_key: Union[str, bytes, None]) -> bytes:
    """The KEK: ``value`` (32 raw bytes, or their base64url text), else derived from
    ``secret_key``."""
    if value is None or value == "":
        return derive_kek(secret_key or "")
    if isinstance(value, str):
        try:
            value = _b64decode(value)
        except ValueError:
            raise KeyEncryptionError("The key encryption key must be 32 bytes, "
                                     "base64url-encoded.") from None
    if len(value) != KEK_LENGTH:
        raise KeyEncryptionError("The key encryption key must be 32 bytes.")
    return bytes(value)


def seal(jwk: Mapping[str, Any], kek: bytes) -> str:
    """Encrypt a private JWK; its ``kid`` is bound as associated data."""
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(dict(jwk), separators=(",", ":")).encode("utf-8")
    ciphertext = AESGCM(kek).encrypt(nonce, plaintext, _aad(jwk.get("kid")))
    return ".".join((_VERSION, _b64encode(nonce), _b64encode(ciphertext)))


def unseal(sealed: str, kek: bytes, kid: str) -> dict[str, Any]:
    """Decrypt what :func:`seal` made for the key ``kid``."""
    try:
        version, nonce, ciphertext = sealed.split(".")
        if version != _VERSION:
            raise ValueError(version)
        plaintext = AESGCM(kek).decrypt(_b64decode(nonce), _b64decode(ciphertext), _aad(kid))
        jwk = json.loads(plaintext)
    except (ValueError, InvalidTag, AttributeError):
        raise KeyEncryptionError("The signing key does not decrypt with this key "
                                 "encryption key.") from None
    if not isinstance(jwk, dict) or jwk.get("kid") != kid:
        raise KeyEncryptionError("The sealed key belongs to another kid.")
    return jwk


def reseal(sealed: str, old_kek: bytes, new_kek: bytes, kid: str) -> str:
    """Re-encrypt a sealed key under a new KEK (after the KEK or SECRET_KEY changed)."""
    return seal(unseal(sealed, old_kek, kid), new_kek)


def _aad(kid: Any) -> bytes:
    return f"kid:{kid}".encode()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
