"""OpenID Provider metadata (OpenID Connect Discovery 1.0 §3) on top of RFC 8414.

:class:`OpenIDMetadataEndpoint` is the RFC 8414 metadata endpoint with the OpenID
fields added. Every ``*_supported`` value is derived from what is configured, so the
document never promises more than the server does (Discovery §3: a missing
``request_uri_parameter_supported`` means ``true``, so the unsupported request
parameters are declared ``false`` explicitly).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from .. import jose
from ..endpoints.authorization import AuthorizationEndpoint
from ..endpoints.base import BaseEndpoint
from ..endpoints.metadata import MetadataEndpoint
from .claims import SCOPE_CLAIMS, STANDARD_CLAIMS
from .response_modes import RESPONSE_MODES
from .rules import DISPLAY_VALUES, PROMPT_VALUES

#: Scopes of OpenID Connect Core §5.4 and §11, besides ``openid``.
OPENID_SCOPES = ("openid", *SCOPE_CLAIMS, "offline_access")


def openid_defaults(signing_algs: Iterable[str] = jose.ALGORITHMS,
                    subject_types: Iterable[str] = ("public",)) -> Dict[str, Any]:
    """The OpenID fields this core supports, before the application's own values."""
    algs = [alg for alg in signing_algs if alg in jose.ALGORITHMS]
    return {
        "scopes_supported": list(OPENID_SCOPES),
        "subject_types_supported": list(subject_types),
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": algs,
        "claims_supported": list(STANDARD_CLAIMS) + [
            "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
            "at_hash", "c_hash"],
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "prompt_values_supported": list(PROMPT_VALUES),
        "display_values_supported": list(DISPLAY_VALUES),
        "response_modes_supported": list(RESPONSE_MODES),
    }


class OpenIDMetadataEndpoint(MetadataEndpoint):
    """RFC 8414 metadata plus OpenID Connect Discovery §3.

    ``claims`` must hold ``issuer`` and ``jwks_uri`` (Discovery §3: REQUIRED) and
    should hold ``userinfo_endpoint`` and, when logout is offered,
    ``end_session_endpoint``; values given win over the derived ones. ``scopes_supported``
    must contain ``openid`` (Discovery §3: "The server MUST support the openid scope
    value").
    """

    def __init__(self, endpoints: Iterable[BaseEndpoint],
                 claims: Optional[Dict[str, Any]] = None, raise_errors: bool = True,
                 signing_algs: Iterable[str] = jose.ALGORITHMS,
                 subject_types: Iterable[str] = ("public",)) -> None:
        merged = openid_defaults(signing_algs, subject_types)
        merged.update(claims or {})
        endpoints = list(endpoints)
        if not any(isinstance(e, AuthorizationEndpoint) for e in endpoints):
            merged.pop("response_modes_supported", None)
        super().__init__(endpoints, merged, raise_errors)
        if raise_errors:
            self._check_openid(self.claims)

    def _check_openid(self, claims: Dict[str, Any]) -> None:
        self.validate_metadata(claims, "jwks_uri", is_required=True, is_url=True)
        for key in ("userinfo_endpoint", "end_session_endpoint"):
            self.validate_metadata(claims, key, is_url=True)
        for key in ("subject_types_supported", "id_token_signing_alg_values_supported"):
            self.validate_metadata(claims, key, is_required=True, is_list=True)
        if "openid" not in claims.get("scopes_supported", ["openid"]):
            raise ValueError("scopes_supported must contain openid.")
        if "none" in claims["id_token_signing_alg_values_supported"]:
            raise ValueError("ID tokens are never unsigned here.")
