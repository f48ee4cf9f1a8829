"""A DPoP client key for the tests: proofs (RFC 9449 §4.2), right or wrong on purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Optional

from flask_oauth_provider.core import jose


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def ath_of(token: str) -> str:
    return b64url(hashlib.sha256(token.encode("ascii")).digest())


class ProofKey:
    """A client's DPoP key pair (``ES256`` by default) that makes proofs."""

    def __init__(self, alg: str = "ES256") -> None:
        self.private = jose.generate_key(alg)
        self.public = {k: v for k, v in jose.public_jwk(self.private).items()
                       if k not in ("kid", "use", "alg")}
        self.jkt = jose.thumbprint(self.public)

    def proof(self, htm: str, htu: str, *, access_token: Optional[str] = None,
              nonce: Optional[str] = None, header: Optional[dict] = None,
              drop: tuple = (), **claims: Any) -> str:
        """A signed proof; ``claims`` override (or add), ``drop`` removes claims;
        ``header`` adds header members (``typ`` may be overridden there)."""
        body: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": htm, "htu": htu,
                                "iat": int(time.time())}
        if access_token is not None:
            body["ath"] = ath_of(access_token)
        if nonce is not None:
            body["nonce"] = nonce
        body.update(claims)
        for name in drop:
            body.pop(name, None)
        extra = {"jwk": self.public, **(header or {})}
        typ = extra.pop("typ", "dpop+jwt")
        return jose.sign(body, self.private, typ=typ, headers=extra)


def unsigned_proof(header: dict, claims: dict, key: bytes = b"") -> str:
    """A proof with any ``alg`` (``none``, ``HS256``): made by hand, as an attacker would."""
    head = b64url(json.dumps(header).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{head}.{payload}".encode()
    if header.get("alg") == "HS256":
        signature = b64url(hmac.new(key, signing_input, hashlib.sha256).digest())
    else:
        signature = b64url(b"x")
    return f"{head}.{payload}.{signature}"


def es256_signed(header: dict, claims: dict, key: ProofKey) -> str:
    """A compact JWS signed with ``key`` (ES256) over any header, even one a JOSE library
    would refuse to produce: what an attacker can send."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from joserfc.jwk import ECKey

    private = ECKey.import_key(key.private).private_key
    signing_input = (b64url(json.dumps(header).encode()) + "."
                     + b64url(json.dumps(claims).encode()))
    r, s = decode_dss_signature(private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
