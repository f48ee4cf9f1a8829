"""PKCE verifiers and challenges (RFC 7636), computed here rather than by the package."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Optional

#: The example of RFC 7636 Appendix B: this verifier has this S256 challenge.
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def s256(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))`` without padding (RFC 7636 §4.2).

    Encoded as UTF-8, so that tests can also build the challenge of a malformed verifier.
    """
    digest = hashlib.sha256(verifier.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair(verifier: Optional[str] = None) -> tuple[str, str]:
    """A verifier (fresh, 64 characters of RFC 7636 §4.1's alphabet, unless given) and its
    S256 challenge."""
    verifier = verifier or secrets.token_urlsafe(48)
    return verifier, s256(verifier)
