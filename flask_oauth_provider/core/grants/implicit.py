"""The implicit grant (RFC 6749 §4.2)."""

from __future__ import annotations

import logging
from typing import Any, Optional

from .. import errors
from ..request import Request
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")


class ImplicitGrant(GrantTypeBase):
    """Implicit grant, RFC 6749 §4.2: the access token goes straight into the redirect.

    RFC 9700 §2.1.2 says clients SHOULD NOT use it; the provider keeps it off unless
    configured on. Validation order (``validate_authorization_request``):
    ``validate_client_id`` -> ``validate_redirect_uri`` | ``get_default_redirect_uri``
    -> ``pre_auth`` + ``pre_token`` -> ``validate_response_type`` ->
    [``get_default_scopes``] -> ``validate_scopes`` -> ``post_auth`` + ``post_token``;
    then the token (never a refresh token, §4.2.2), the token modifiers
    ``fn(token, token_handler, request)`` and ``save_token``.
    """

    response_types = ["token"]  # copied per instance in GrantTypeBase.__init__
    grant_allows_refresh_token = False

    def create_authorization_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Same as :meth:`create_token_response`: the token is the authorization response."""
        return self.create_token_response(request, token_handler)

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Redirect to the client with the access token in the fragment (RFC 6749 §4.2.2).

        Fatal errors (client or redirect URI) are raised, never redirected
        (§4.2.2.1); other errors go into the fragment of the validated redirect URI.
        Returns ``({"Location": ...}, None, 302)``.
        """
        try:
            self.validate_token_request(request)
        except errors.FatalClientError:
            raise
        except errors.OAuth2Error as error:
            log.debug("Implicit request of client %r refused: %s", request.client_id, error.error)
            return self._error_redirect(request, error, fragment=True)

        # RFC 6749 §4.2.2: "The authorization server MUST NOT issue a refresh token."
        issue_token = "token" in request.response_type.split()
        token = token_handler.create_token(request, refresh_token=False) if issue_token else {}
        # RFC 6749 §4.2.2 / §3.1: an empty state counts as absent and is not echoed.
        if request.state:
            token["state"] = request.state
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        if issue_token:
            self.request_validator.save_token(token, request)
        return self.prepare_authorization_response(request, token, {}, None, 302)

    def prepare_authorization_response(
        self, request: Request, token: dict, headers: dict, body: Any, status: int
    ) -> TokenResponse:
        """Always use the fragment for the implicit grant.

        RFC 6749 §4.2.2: the parameters are added "to the fragment component of the
        redirection URI"; OAuth 2.0 Multiple Response Type Encoding Practices §2.1:
        for ``token`` "the query encoding MUST NOT be used" (RFC 9700 §4.3.2: tokens
        in the query leak). oauthlib honours ``response_mode=query`` here.
        """
        request.response_mode = "fragment"
        return super().prepare_authorization_response(request, token, headers, body, status)

    def validate_authorization_request(self, request: Request) -> tuple:
        """Check an implicit authorization request; return ``(scopes, request_info)``."""
        return self.validate_token_request(request)

    def validate_token_request(self, request: Request) -> tuple:
        """Check the request (RFC 6749 §4.2.1); return ``(scopes, request_info)``."""
        # Fatal checks: nothing may be redirected before client and redirect URI are
        # known good (RFC 6749 §4.2.2.1).
        self._check_duplicate_params(
            request, ("client_id", "response_type", "redirect_uri", "scope", "state"), fatal=True
        )
        if not request.client_id:
            raise errors.MissingClientIdError(request=request)
        if not self.request_validator.validate_client_id(request.client_id, request):
            raise errors.InvalidClientIdError(request=request)
        self._handle_redirects(request)

        request_info = self._run_custom_validators(request, self.custom_validators.all_pre)

        # RFC 6749 §4.2.1: response_type REQUIRED, value "token".
        if request.response_type is None:
            raise errors.MissingResponseTypeError(request=request)
        if not set(request.response_type.split()).issubset(self.response_types):
            raise errors.UnsupportedResponseTypeError(request=request)
        if not self.request_validator.validate_response_type(
            request.client_id, request.response_type, request.client, request
        ):
            raise errors.UnauthorizedClientError(request=request)

        self.validate_scopes(request)

        request_info.update(
            {
                "client_id": request.client_id,
                "redirect_uri": request.redirect_uri,
                "response_type": request.response_type,
                "state": request.state,
                "request": request,
            }
        )
        request_info = self._run_custom_validators(
            request, self.custom_validators.all_post, request_info
        )
        return request.scopes, request_info

    def _run_custom_validators(
        self, request: Request, validators: Any, request_info: Optional[dict] = None
    ) -> dict:
        info = dict(request_info or {})
        for validator in validators:
            result = validator(request)
            if result is not None:
                info.update(result)
        return info
