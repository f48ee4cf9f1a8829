"""Authorization server metadata (RFC 8414)."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit

from ..utils import is_loopback_host, is_secure_transport
from .authorization import AuthorizationEndpoint
from .base import BaseEndpoint, catch_errors_and_unavailability
from .device_authorization import DeviceAuthorizationEndpoint
from .introspect import IntrospectEndpoint
from .revocation import RevocationEndpoint
from .token import TokenEndpoint

log = logging.getLogger("flask_oauth_provider.core.endpoints")

_DEFAULT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]


def _code_challenge_methods(grant: Any) -> List[str]:
    """The PKCE methods a code grant accepts (RFC 7636 §4.2), S256 first."""
    methods = getattr(grant, "code_challenge_methods", None)
    if methods is None:  # an oauthlib-style grant
        methods = getattr(grant, "_code_challenge_methods", None) or ("S256",)
    names = list(methods)
    return sorted(names, key=lambda name: name != "S256")


class MetadataEndpoint(BaseEndpoint):
    """Publishes what this server supports, derived from its endpoints and grants.

    RFC 8414 §2: ``issuer`` and ``response_types_supported`` are REQUIRED;
    ``authorization_endpoint`` and ``token_endpoint`` are REQUIRED when grants using
    them are supported. Values passed in ``claims`` win over the derived ones.
    The derived values only name what is configured: ``grant_types_supported`` is
    always listed because its RFC 8414 default (``authorization_code``, ``implicit``)
    would otherwise advertise the implicit grant, ``code_challenge_methods_supported``
    lists ``plain`` only when the code grant accepts it, and empty arrays are left
    out. ``ValueError`` is raised at construction for invalid metadata when
    ``raise_errors`` is true (oauthlib's behaviour).
    """

    def __init__(self, endpoints: Iterable[BaseEndpoint], claims: Optional[Dict[str, Any]] = None,
                 raise_errors: bool = True) -> None:
        claims = {} if claims is None else claims
        if not isinstance(claims, dict):
            raise TypeError("claims must be a dict")
        endpoints = list(endpoints)
        for endpoint in endpoints:
            if not isinstance(endpoint, BaseEndpoint):
                raise TypeError(f"{endpoint!r} is not an endpoint")
        BaseEndpoint.__init__(self)
        self.raise_errors = raise_errors
        self.endpoints = endpoints
        self.initial_claims = claims
        self.claims = self.validate_metadata_server()

    @catch_errors_and_unavailability
    def create_metadata_response(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """RFC 8414 §3.2: a 200 JSON document; it is public, so any origin may read it."""
        response_headers = {
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": "*",
        }
        return response_headers, json.dumps(self.claims), 200

    # -- validation ------------------------------------------------------------

    def validate_metadata(self, claims: Dict[str, Any], key: str, is_required: bool = False,
                          is_list: bool = False, is_url: bool = False,
                          is_issuer: bool = False) -> None:
        """Check one metadata value; raises ``ValueError`` when ``raise_errors``."""
        if not self.raise_errors:
            return
        if key not in claims:
            if is_required:
                raise ValueError(f"key {key} is a mandatory metadata.")
            return
        value = claims[key]
        if is_issuer:
            # RFC 8414 §2: "a URL that uses the "https" scheme and has no query or
            # fragment components".
            if not isinstance(value, str) or not _is_https_or_loopback(value):
                raise ValueError(f"key {key}: {value} must be an HTTPS URL")
            parts = urlsplit(value)
            if parts.query or parts.fragment or "?" in value or "#" in value:
                raise ValueError(
                    f"key {key}: {value} must not contain query or fragment components")
        elif is_url:
            if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                raise ValueError(f"key {key}: {value} must be an URL")
        elif is_list:
            if not isinstance(value, list):
                raise ValueError(f"key {key}: {value} must be an Array")
            for element in value:
                if not isinstance(element, str):
                    raise ValueError(
                        f"array {key}: {value} must contains only string (not {element})")

    def validate_metadata_token(self, claims: Dict[str, Any], endpoint: TokenEndpoint) -> None:
        for grant_type in endpoint.grant_types:
            if grant_type not in self._grant_types:
                self._grant_types.append(grant_type)
        claims.setdefault("token_endpoint_auth_methods_supported", list(_DEFAULT_AUTH_METHODS))
        self.validate_metadata(claims, "token_endpoint_auth_methods_supported", is_list=True)
        self.validate_metadata(claims, "token_endpoint_auth_signing_alg_values_supported",
                               is_list=True)
        self.validate_metadata(claims, "token_endpoint", is_required=True, is_url=True)

    def validate_metadata_authorization(self, claims: Dict[str, Any],
                                        endpoint: AuthorizationEndpoint) -> None:
        claims.setdefault("response_types_supported",
                          [rt for rt in endpoint.response_types if rt != "none"])
        claims.setdefault("response_modes_supported", ["query", "fragment"])
        # The implicit grant has no grant_type value at the token endpoint, but
        # RFC 7591 §2 names it "implicit" for grant_types lists.
        if "token" in claims["response_types_supported"] and "implicit" not in self._grant_types:
            self._grant_types.append("implicit")
        self.validate_metadata(claims, "response_types_supported", is_required=True,
                               is_list=True)
        self.validate_metadata(claims, "response_modes_supported", is_list=True)
        if "code" in claims["response_types_supported"]:
            code_grant = endpoint.response_types["code"]
            if not hasattr(code_grant, "create_authorization_code") and hasattr(
                    code_grant, "default_grant"):
                code_grant = code_grant.default_grant
            claims.setdefault("code_challenge_methods_supported",
                              _code_challenge_methods(code_grant))
            self.validate_metadata(claims, "code_challenge_methods_supported", is_list=True)
        self.validate_metadata(claims, "authorization_endpoint", is_required=True, is_url=True)

    def validate_metadata_revocation(self, claims: Dict[str, Any],
                                     endpoint: RevocationEndpoint) -> None:
        claims.setdefault("revocation_endpoint_auth_methods_supported",
                          list(_DEFAULT_AUTH_METHODS))
        self.validate_metadata(claims, "revocation_endpoint_auth_methods_supported",
                               is_list=True)
        self.validate_metadata(claims, "revocation_endpoint_auth_signing_alg_values_supported",
                               is_list=True)
        self.validate_metadata(claims, "revocation_endpoint", is_required=True, is_url=True)

    def validate_metadata_introspection(self, claims: Dict[str, Any],
                                        endpoint: IntrospectEndpoint) -> None:
        claims.setdefault("introspection_endpoint_auth_methods_supported",
                          list(_DEFAULT_AUTH_METHODS))
        self.validate_metadata(claims, "introspection_endpoint_auth_methods_supported",
                               is_list=True)
        self.validate_metadata(claims,
                               "introspection_endpoint_auth_signing_alg_values_supported",
                               is_list=True)
        self.validate_metadata(claims, "introspection_endpoint", is_required=True, is_url=True)

    def validate_metadata_device_authorization(
            self, claims: Dict[str, Any], endpoint: DeviceAuthorizationEndpoint) -> None:
        """RFC 8628 §4: ``device_authorization_endpoint`` is published, and required,
        only while the device authorization grant is on; otherwise it is left out."""
        if not endpoint.device_authorization_enabled:
            claims.pop("device_authorization_endpoint", None)
            return
        self.validate_metadata(claims, "device_authorization_endpoint", is_required=True,
                               is_url=True)

    def validate_metadata_server(self) -> Dict[str, Any]:
        """Build and check the metadata document (RFC 8414 §2)."""
        claims = copy.deepcopy(self.initial_claims)
        self.validate_metadata(claims, "issuer", is_required=True, is_issuer=True)
        for key in ("jwks_uri", "service_documentation", "op_policy_uri", "op_tos_uri",
                    "registration_endpoint"):
            self.validate_metadata(claims, key, is_url=True)
        for key in ("scopes_supported", "ui_locales_supported"):
            self.validate_metadata(claims, key, is_list=True)

        self._grant_types: List[str] = []
        for endpoint in self.endpoints:
            if isinstance(endpoint, TokenEndpoint):
                self.validate_metadata_token(claims, endpoint)
            if isinstance(endpoint, AuthorizationEndpoint):
                self.validate_metadata_authorization(claims, endpoint)
            if isinstance(endpoint, RevocationEndpoint):
                self.validate_metadata_revocation(claims, endpoint)
            if isinstance(endpoint, IntrospectEndpoint):
                self.validate_metadata_introspection(claims, endpoint)
            if isinstance(endpoint, DeviceAuthorizationEndpoint):
                self.validate_metadata_device_authorization(claims, endpoint)

        claims.setdefault("grant_types_supported", self._grant_types)
        self.validate_metadata(claims, "grant_types_supported", is_list=True)
        # RFC 8414 §2 describes each array as listing supported values; an empty
        # one says nothing, so it is omitted.
        return {key: value for key, value in claims.items()
                if not (isinstance(value, list) and not value)}


def _is_https_or_loopback(uri: str) -> bool:
    """RFC 8414 §2 wants https; a loopback http issuer is let through for local
    development and tests (the same exception RFC 8252 §7.3 makes for redirects)."""
    parts = urlsplit(uri)
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return True
    return is_secure_transport(uri) and bool(parts.netloc)
