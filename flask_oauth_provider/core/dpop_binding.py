"""DPoP at the authorization and token endpoints (RFC 9449 §5, §10): binding grants and
tokens to the client's key.

:class:`TokenRequestBinding` is a ``post_token`` validator of the grants: it runs after
the client, the code or the refresh token are known, checks the request's ``DPoP``
proof (:func:`~flask_oauth_provider.core.dpop.verify_proof`) and binds the token about
to be issued to the proof's key (:func:`~flask_oauth_provider.core.dpop.bind`), which
makes it a ``DPoP`` token (``token_type``, ``cnf.jkt``). :func:`check_dpop_jkt` is a
``post_auth`` validator for the ``dpop_jkt`` authorization request parameter (§10).
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any, Callable, Optional, Sequence

from . import errors
from .dpop import (
    DEFAULT_ALGORITHMS,
    DEFAULT_LIFETIME,
    InvalidDPoPProofError,
    NonceSource,
    bind,
    grant_jkt,
    is_thumbprint,
    verify_proof,
)
from .request import Request

log = logging.getLogger("flask_oauth_provider.core.dpop")


def client_requires_dpop(client: Any) -> bool:
    """RFC 9449 §5.2: the client registered ``dpop_bound_access_tokens: true``."""
    return getattr(client, "dpop_bound_access_tokens", False) is True


def is_public_client(client: Any) -> bool:
    """Whether ``client`` is public (RFC 6749 §2.1); unknown kinds count as public, whose
    refresh tokens are bound (the stricter choice)."""
    confidential = getattr(client, "is_confidential", None)
    if isinstance(confidential, bool):
        return not confidential
    client_type = getattr(client, "client_type", None)
    return client_type == "public" if isinstance(client_type, str) else True


class TokenRequestBinding:
    """The DPoP rules of a token request (RFC 9449 §5), as a ``post_token`` validator.

    - A ``DPoP`` header must hold a valid proof for this request (§4.3); its key's
      thumbprint binds the new access token (§5: ``token_type`` ``DPoP``).
    - A client with ``dpop_bound_access_tokens`` (§5.2), or any client when
      ``require_all`` is set, must send one: else ``invalid_request``.
    - A code bound by ``dpop_jkt`` (§10), and a public client's refresh token bound at
      its issuance (§5: "refresh tokens issued to public clients ... MUST be bound"),
      need a proof by that same key: without one ``invalid_dpop_proof``, by another key
      ``invalid_grant``. A confidential client's refresh token is not bound (§5: it
      authenticates); its new access token is bound to the key of this proof.

    ``jti_unused(jti, expires_at)`` is the replay store; ``nonces`` the server's nonce
    source when nonces are required (§8).
    """

    def __init__(self, *, algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
                 lifetime: int = DEFAULT_LIFETIME, require_all: bool = False,
                 nonces: Optional[Callable[[], Optional[NonceSource]]] = None,
                 jti_unused: Optional[Callable[[str, float], bool]] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.algorithms = tuple(algorithms)
        self.lifetime = lifetime
        self.require_all = require_all
        self.nonces = nonces
        self.jti_unused = jti_unused
        self.clock = clock

    def __call__(self, request: Request) -> None:
        proof = request.headers.get("DPoP")
        client = getattr(request, "client", None)
        bound = grant_jkt(request)
        if request.grant_type == "refresh_token" and not is_public_client(client):
            bound = None
        if proof is None:
            bind(request, None)
            if self.require_all or client_requires_dpop(client):
                raise errors.InvalidRequestError(
                    description="This client must send a DPoP proof with its token "
                    "requests (RFC 9449 section 5.2).", request=request)
            if bound:
                raise InvalidDPoPProofError(
                    "This grant is bound to a DPoP key: send a DPoP proof made with it "
                    "(RFC 9449 section 5, section 10).", request=request)
            return
        jkt = self.proof_jkt(request)
        if bound and not hmac.compare_digest(bound.encode(), jkt.encode()):
            log.info("token request refused: the DPoP key is not the one the grant is "
                     "bound to")
            raise errors.InvalidGrantError(
                description="The DPoP proof's key is not the one this grant is bound to.",
                request=request)
        bind(request, jkt)


    def proof_jkt(self, request: Request) -> str:
        """The ``jkt`` of the request's ``DPoP`` proof, checked for this request
        (:func:`~flask_oauth_provider.core.dpop.verify_proof` with this server's
        algorithms, lifetime, nonces and replay store)."""
        now = self.clock()
        source = self.nonces() if self.nonces is not None else None
        return verify_proof(request.headers.get("DPoP"), request.http_method, request.uri,
                            now=now, algorithms=self.algorithms, lifetime=self.lifetime,
                            nonce_valid=source.checker(now) if source else None,
                            jti_unused=self.jti_unused)

    def pushed_request_jkt(self, request: Request, params: dict) -> None:
        """RFC 9449 §10.1: a ``DPoP`` proof sent with a pushed authorization request binds
        the code as ``dpop_jkt`` would; with both, they must name the same key."""
        if request.headers.get("DPoP") is None:
            return
        jkt = self.proof_jkt(request)
        if params.get("dpop_jkt", jkt) != jkt:
            raise errors.InvalidRequestError(
                description="dpop_jkt is not the thumbprint of the DPoP proof's key "
                "(RFC 9449 section 10.1).", request=request)
        params["dpop_jkt"] = jkt


def check_dpop_jkt(request: Request) -> dict:
    """``post_auth``: the ``dpop_jkt`` authorization request parameter (RFC 9449 §10)
    binds the code to that key thumbprint; a value that is not one is
    ``invalid_request``."""
    value = getattr(request, "dpop_jkt", None)
    if value is None or value == "":
        bind(request, None)
        return {}
    if not is_thumbprint(value):
        raise errors.InvalidRequestError(
            description="dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 section 10).",
            request=request)
    bind(request, value)
    return {}
