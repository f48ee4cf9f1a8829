"""Routing a request to the OAuth 2.0 grant or to its OpenID Connect twin.

One ``response_type`` (``code``, ``token``) or ``grant_type``
(``authorization_code``) serves both protocols; what tells them apart is the
``openid`` scope (OpenID Connect Core §3.1.2.1: "If the openid scope value is not
present, the behavior is entirely unspecified", i.e. plain OAuth 2.0).
"""

from __future__ import annotations

import logging
from typing import Any

from ...utils import scope_to_list
from ..rules import split_values

log = logging.getLogger("flask_oauth_provider.core.openid")


class Dispatcher:
    default_grant: Any = None
    oidc_grant: Any = None


def _has_openid(request: Any) -> bool:
    """Whether the request is for ``openid``: the granted scopes, or the requested ones
    when the caller passed none (``create_authorization_response(scopes=None)`` means
    "the scopes of the request" here; oauthlib then always picks the OAuth 2.0 grant
    and skips every OpenID check)."""
    scopes = request.scopes or scope_to_list(request.scope) or ()
    return "openid" in scopes


class AuthorizationCodeGrantDispatcher(Dispatcher):
    """``response_type=code``: the OpenID grant when the scopes hold ``openid``."""

    def __init__(self, default_grant: Any = None, oidc_grant: Any = None) -> None:
        self.default_grant = default_grant
        self.oidc_grant = oidc_grant

    def _handler_for_request(self, request: Any) -> Any:
        handler = self.default_grant
        if _has_openid(request):
            handler = self.oidc_grant
        log.debug("Selecting handler %r.", type(handler).__name__)
        return handler

    def create_authorization_response(self, request: Any, token_handler: Any) -> tuple:
        return self._handler_for_request(request).create_authorization_response(
            request, token_handler)

    def validate_authorization_request(self, request: Any) -> tuple:
        return self._handler_for_request(request).validate_authorization_request(request)


class ImplicitTokenGrantDispatcher(AuthorizationCodeGrantDispatcher):
    """``token`` / ``id_token`` types: the OpenID grant when the scopes hold ``openid``
    and the response type names ``id_token``."""

    def _handler_for_request(self, request: Any) -> Any:
        handler = self.default_grant
        if _has_openid(request) and "id_token" in split_values(request.response_type):
            handler = self.oidc_grant
        log.debug("Selecting handler %r.", type(handler).__name__)
        return handler


class AuthorizationTokenGrantDispatcher(Dispatcher):
    """``grant_type=authorization_code``: the OpenID grant when the code was issued
    for ``openid`` (``get_authorization_code_scopes``)."""

    def __init__(self, request_validator: Any, default_grant: Any = None,
                 oidc_grant: Any = None) -> None:
        self.default_grant = default_grant
        self.oidc_grant = oidc_grant
        self.request_validator = request_validator

    def _handler_for_request(self, request: Any) -> Any:
        handler = self.default_grant
        parameters = dict(request.decoded_body or ())
        code = parameters.get("code")
        # Without a code the OAuth 2.0 grant answers "Missing code parameter.".
        if code:
            scopes = self.request_validator.get_authorization_code_scopes(
                parameters.get("client_id"), code, parameters.get("redirect_uri"), request)
            if scopes and "openid" in scopes:
                handler = self.oidc_grant
        log.debug("Selecting handler %r.", type(handler).__name__)
        return handler

    def create_token_response(self, request: Any, token_handler: Any) -> tuple:
        return self._handler_for_request(request).create_token_response(request, token_handler)
