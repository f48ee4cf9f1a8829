"""The metadata documents: the authorization server's (RFC 8414), served at the app root,
and the protected resource metadata (RFC 9728) of the resources the app serves.

Endpoint URLs come from where the routes really are (``url_for`` under the issuer's
scheme and host), and each optional feature adds its fields only while it is on.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask import request as flask_request

from . import http
from .core import jose
from .core.endpoints.metadata import MetadataEndpoint
from .core.par import supports_pushed_requests
from .core.resource_metadata import metadata_document
from .openid_views import openid_metadata
from .state import current_state, issuer_of, own_resource_at

#: Endpoint names of the provider's blueprint.
_ROUTE = "oauth2_provider."


def client_authentication_metadata(state: Any) -> dict[str, Any]:
    """RFC 8414 §2 client authentication fields of the token, revocation and
    introspection endpoints, from ``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS`` and
    the algorithm lists; ``client_secret_jwt`` only where the validator keeps secrets
    it can key an HMAC with. Introspection never accepts ``none`` (RFC 7662 §2.1)."""
    config = state.config
    methods = list(config.token_endpoint_auth_methods)
    if not getattr(state.validator, "supports_client_secret_jwt", True):
        methods = [m for m in methods if m != "client_secret_jwt"]  # noqa: S105
    algs = [alg for alg in config.token_endpoint_auth_signing_algs
            if alg in jose.ALGORITHMS and "private_key_jwt" in methods
            or alg in jose.HMAC_ALGORITHMS and "client_secret_jwt" in methods]
    claims: dict[str, Any] = {
        "token_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": [m for m in methods if m != "none"],
    }
    if algs:
        # RFC 8414 §2: present when a JWT method is listed; never "none".
        for endpoint in ("token", "revocation", "introspection"):
            claims[f"{endpoint}_endpoint_auth_signing_alg_values_supported"] = algs
    claims["request_parameter_supported"] = True  # RFC 9101 §10.5 / OIDC Discovery §3
    # Discovery §3: an absent request_uri_parameter_supported means true; only PAR's
    # request_uri is accepted, so by-reference request objects are declared unsupported.
    claims["request_uri_parameter_supported"] = False
    claims["request_object_signing_alg_values_supported"] = list(
        config.request_object_signing_algs)
    return claims


def metadata() -> Response:
    """Authorization server metadata (RFC 8414 §3), registered at the app root."""
    state = current_state()
    config = state.config
    pkce_methods = ["S256", "plain"] if config.pkce_plain else ["S256"]
    route = _ROUTE
    claims: dict[str, Any] = {
        "issuer": issuer_of(config),
        "authorization_endpoint": http.endpoint_url(state.config.issuer, route + "authorize"),
        "token_endpoint": http.endpoint_url(state.config.issuer, route + "token"),
        "revocation_endpoint": http.endpoint_url(state.config.issuer, route + "revoke"),
        "introspection_endpoint": http.endpoint_url(state.config.issuer, route + "introspect"),
        "response_types_supported": list(config.response_types),
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": list(config.grant_types),
        **client_authentication_metadata(state),
        "code_challenge_methods_supported": pkce_methods,
        "authorization_response_iss_parameter_supported": True,
        # RFC 9449 §5.1: DPoP-bound tokens, with proofs signed by these algorithms.
        "dpop_signing_alg_values_supported": list(config.dpop_signing_algs),
    }
    if config.dynamic_registration:
        claims["registration_endpoint"] = http.endpoint_url(  # RFC 8414 §2, RFC 7591 §3
            config.issuer, "oauth2_registration.register")
    supported = list(config.scopes or ()) or list(config.registration_scopes)
    if supported and not config.openid:  # with OpenID on, openid_metadata lists them
        # RFC 8414 §2 (RECOMMENDED); MCP clients register for what is listed here.
        claims["scopes_supported"] = supported
    if config.client_id_metadata_documents:
        claims["client_id_metadata_document_supported"] = True
    if config.response_types and supports_pushed_requests(state.validator):
        # RFC 9126 §5: the PAR endpoint, and whether every request must be pushed.
        claims["pushed_authorization_request_endpoint"] = http.endpoint_url(
            config.issuer, route + "pushed_authorization_request")
        claims["require_pushed_authorization_requests"] = config.require_par
    if not config.response_types:
        claims.pop("response_modes_supported")
        claims.pop("code_challenge_methods_supported")
    if config.openid:
        claims = openid_metadata(state, claims)
    elif config.publishes_jwks:
        # RFC 8414 §2 jwks_uri: resource servers verify JWT access tokens with it.
        claims["jwks_uri"] = http.endpoint_url(config.issuer, "oauth2_provider_jwks")
    if config.device_grant_enabled:
        # RFC 8628 §4: only while the device authorization grant is on.
        claims["device_authorization_endpoint"] = http.endpoint_url(
            config.issuer, route + "device_authorization")
    endpoint = MetadataEndpoint([state.server], claims=claims, raise_errors=False)
    headers, body, status = endpoint.create_metadata_response(
        flask_request.url, "GET", None, {})
    if not config.issuer:
        # Built from the Host header: a cache must not hand it to another host's users.
        headers = {**headers, "Cache-Control": "no-store", "Vary": "Host"}
    return http.create_response(headers, body, status)


def protected_resource_metadata(suffix: str = "") -> Response:
    """Protected resource metadata (RFC 9728 §3) of a resource this app serves.

    Registered at ``/.well-known/oauth-protected-resource`` and, for a resource
    identifier with a path, at that path appended (§3.1); an unknown one is 404.
    """
    config = current_state().config
    own = own_resource_at(config, "/" + suffix if suffix else "", exact=True)
    if own is None:
        return http.json_response({"error": "not_found", "error_description":
                                   "No protected resource is described here."}, 404)
    methods = ["header", "body"] + (["query"] if config.allow_query_token else [])
    resource, scopes = own
    dpop_fields = {"dpop_signing_alg_values_supported": list(config.dpop_signing_algs)}
    if config.require_dpop:
        dpop_fields["dpop_bound_access_tokens_required"] = True  # RFC 9728 §2
    document = metadata_document(resource, [issuer_of(config)], scopes, methods,
                                 **dpop_fields)
    # RFC 9728 §3.2: a JSON document; public, like the RFC 8414 one.
    return http.create_response(
        {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
        json.dumps(document), 200)
