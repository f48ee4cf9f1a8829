"""The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636)."""

from __future__ import annotations

import json
import logging
from typing import Any, Optional

from .. import errors, utils
from ..request import Request
from ..utils import (
    is_valid_code_challenge,
    is_valid_code_verifier,
    verify_code_verifier,
)
from ..validator import RequestValidator, stores_code_challenges
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")

#: Validator classes already warned about not storing PKCE challenges (once each).
_WARNED_NOT_STORING: set = set()


def _warn_pkce_not_stored(validator: Any) -> None:
    """Log, once per validator class, that PKCE cannot be enforced with it."""
    cls = type(validator)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name in _WARNED_NOT_STORING:
        return
    _WARNED_NOT_STORING.add(name)
    log.warning(
        "%s does not store PKCE challenges (get_code_challenge is not overridden and "
        "stores_code_challenges is not set): code_challenge and code_verifier are "
        "accepted but not checked, as oauthlib does, and the PKCE downgrade check "
        "(RFC 9700 §4.8.2) is off. Override get_code_challenge and "
        "get_code_challenge_method, or set stores_code_challenges = True.", name)


#: Every PKCE transformation this grant knows (RFC 7636 §4.2).
KNOWN_CODE_CHALLENGE_METHODS = ("S256", "plain")


class AuthorizationCodeGrant(GrantTypeBase):
    """Authorization code grant, RFC 6749 §4.1, with PKCE (RFC 7636).

    Authorization request (``validate_authorization_request``), in order:
    ``validate_client_id`` -> ``validate_redirect_uri`` | ``get_default_redirect_uri``
    -> ``pre_auth`` -> ``validate_response_type`` -> ``is_pkce_required`` ->
    [``get_default_scopes``] -> ``validate_scopes`` -> ``post_auth``; then code
    modifiers and ``save_authorization_code``.

    Token request (``validate_token_request``), in order: ``pre_token`` ->
    ``client_authentication_required`` -> ``authenticate_client`` |
    ``authenticate_client_id`` -> ``validate_grant_type`` -> ``validate_code`` ->
    ``get_code_challenge`` -> ``get_code_challenge_method`` | ``is_pkce_required`` ->
    [``get_default_redirect_uri``] -> ``confirm_redirect_uri`` -> ``post_token``; then
    the token, the token modifiers ``fn(token, token_handler, request)``,
    ``save_token`` and ``invalidate_authorization_code``.

    PKCE: ``S256`` is always accepted; ``plain`` only when the grant is built with
    ``pkce_plain=True`` (RFC 7636 §7.2: "plain" SHOULD NOT be used by new
    implementations).
    """

    default_response_mode = "query"
    response_types = ["code"]  # copied per instance in GrantTypeBase.__init__

    def __init__(
        self,
        request_validator: Optional[RequestValidator] = None,
        pkce_plain: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(request_validator, pkce_plain=pkce_plain, **kwargs)

    @property
    def code_challenge_methods(self) -> tuple:
        """The PKCE methods an authorization request may use on this grant."""
        return ("S256", "plain") if self.pkce_plain else ("S256",)

    # -- authorization endpoint -------------------------------------------------------

    def create_authorization_code(self, request: Request) -> dict:
        """A new code, with the request's ``state`` (RFC 6749 §4.1.2).

        The code comes from :func:`~flask_oauth_provider.core.utils.generate_token`
        (looked up at each call, the one place to patch) and carries at least 256
        bits (RFC 6749 §10.10: the probability of guessing it MUST be at most 2^-128).
        """
        grant = {"code": utils.generate_token()}
        if getattr(request, "state", None):
            grant["state"] = request.state
        return grant

    def create_authorization_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Issue a code by redirecting to the client (RFC 6749 §4.1.2).

        Fatal errors (client_id or redirect URI missing, unknown or mismatching) are
        raised: RFC 6749 §4.1.2.1 says the server MUST NOT redirect then. Other errors
        are redirected to the validated redirect URI (§4.1.2.1), in the fragment when
        ``response_mode=fragment``, else in the query. Returns
        ``({"Location": ...}, None, 302)``.
        """
        try:
            self.validate_authorization_request(request)
        except errors.FatalClientError:
            raise
        except errors.OAuth2Error as error:
            log.debug(
                "Authorization request of client %r refused: %s", request.client_id, error.error
            )
            return self._error_redirect(
                request, error, fragment=request.response_mode == "fragment"
            )

        grant = self.create_authorization_code(request)
        for modifier in self._code_modifiers:
            grant = modifier(grant, token_handler, request)
        if "access_token" in grant:
            self.request_validator.save_token(grant, request)
        self.request_validator.save_authorization_code(request.client_id, grant, request)
        return self.prepare_authorization_response(request, grant, {}, None, 302)

    def validate_authorization_request(self, request: Request) -> tuple:
        """Check an authorization request; return ``(scopes, request_info)``.

        RFC 6749 §4.1.1 (parameters), §3.1.2 (redirect URI), §3.3 (scope);
        RFC 7636 §4.3 / §4.4.1 (PKCE). ``request_info`` holds ``client_id``,
        ``redirect_uri``, ``response_type``, ``state``, ``request``, the PKCE
        ``code_challenge`` and ``code_challenge_method`` when a challenge was sent,
        and whatever the ``pre_auth`` / ``post_auth`` validators returned.
        """
        # Fatal checks first: until client and redirect URI are known good, nothing
        # may be redirected (RFC 6749 §4.1.2.1).
        self._check_duplicate_params(
            request, ("client_id", "response_type", "redirect_uri", "scope", "state"), fatal=True
        )
        if not request.client_id:
            raise errors.MissingClientIdError(request=request)
        if not self.request_validator.validate_client_id(request.client_id, request):
            raise errors.InvalidClientIdError(request=request)
        self._handle_redirects(request)
        # The redirect URI is validated now, so a repeated PKCE parameter can be
        # reported to the client (RFC 6749 §3.1: no parameter more than once).
        self._check_duplicate_params(request, ("code_challenge", "code_challenge_method"))

        request_info: dict = {}
        for validator in self.custom_validators.pre_auth:
            request_info.update(validator(request) or {})

        # RFC 6749 §4.1.1: response_type REQUIRED, value "code".
        if request.response_type is None:
            raise errors.MissingResponseTypeError(request=request)
        if request.response_type != "none" and "code" not in request.response_type.split():
            raise errors.UnsupportedResponseTypeError(request=request)
        if not self.request_validator.validate_response_type(
            request.client_id, request.response_type, request.client, request
        ):
            raise errors.UnauthorizedClientError(request=request)

        self._validate_code_challenge(request, request_info)
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
        for validator in self.custom_validators.post_auth:
            request_info.update(validator(request) or {})
        return request.scopes, request_info

    def _validate_code_challenge(self, request: Request, request_info: dict) -> None:
        """PKCE checks of the authorization request.

        RFC 7636 §4.4.1: a server that requires PKCE answers a request without
        ``code_challenge`` with ``invalid_request``; a method it does not support gets
        ``invalid_request`` "transform algorithm not supported". RFC 7636 §4.3:
        ``code_challenge_method`` "Defaults to "plain" if not present in the
        request", so without ``pkce_plain=True`` a challenge without a method is
        refused. RFC 7636 §4.2: a challenge is 43 to 128 unreserved characters.
        An empty ``code_challenge`` counts as absent (RFC 6749 §3.1: "Parameters sent
        without a value MUST be treated as if they were omitted").
        """
        if not request.code_challenge:
            request.code_challenge = None
        if (
            self.request_validator.is_pkce_required(request.client_id, request) is True
            and request.code_challenge is None
        ):
            raise errors.MissingCodeChallengeError(request=request)
        if request.code_challenge is None:
            return
        if not request.code_challenge_method:
            request.code_challenge_method = "plain"
        if request.code_challenge_method not in self.code_challenge_methods:
            raise errors.UnsupportedCodeChallengeMethodError(request=request)
        if not is_valid_code_challenge(request.code_challenge):
            raise errors.InvalidRequestError(
                description="Invalid code_challenge: 43 to 128 characters of "
                "A-Z a-z 0-9 - . _ ~ are required.",
                request=request,
            )
        if not stores_code_challenges(self.request_validator):
            _warn_pkce_not_stored(self.request_validator)
        request_info["code_challenge"] = request.code_challenge
        request_info["code_challenge_method"] = request.code_challenge_method

    # -- token endpoint -----------------------------------------------------------------

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Exchange a code for a token (RFC 6749 §4.1.3, §4.1.4).

        Success: 200 with the RFC 6749 §5.1 JSON token; errors: the §5.2 JSON body
        with its status. After the token is saved the code is invalidated: §4.1.2
        "The client MUST NOT use the authorization code more than once."
        """
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            log.debug("Code exchange by client %r refused: %s", request.client_id, error.error)
            return self._error_response(error)

        token = token_handler.create_token(request, refresh_token=self.refresh_token)
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        self.request_validator.save_token(token, request)
        self.request_validator.invalidate_authorization_code(
            request.client_id, request.code, request
        )
        headers.update(self._create_cors_headers(request))
        log.debug("Issued a token to client %r for a code.", request.client_id)
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Request) -> None:
        """Check an access token request (RFC 6749 §4.1.3); raise an OAuth2Error if bad."""
        # RFC 6749 §4.1.3: grant_type REQUIRED, value "authorization_code".
        if request.grant_type != "authorization_code":
            raise errors.UnsupportedGrantTypeError(request=request)
        for validator in self.custom_validators.pre_token:
            validator(request)
        if request.code is None:
            raise errors.InvalidRequestError(description="Missing code parameter.", request=request)
        self._check_duplicate_params(
            request, ("client_id", "grant_type", "redirect_uri", "code", "code_verifier")
        )

        self.validate_client_authentication(request)
        self.validate_grant_type(request)

        # RFC 6749 §4.1.3: ensure the code was issued to this client and is valid.
        if not self.request_validator.validate_code(
            request.client_id, request.code, request.client, request
        ):
            raise errors.InvalidGrantError(request=request)

        self._validate_code_verifier(request)
        self._confirm_redirect_uri(request)

        for validator in self.custom_validators.post_token:
            validator(request)

    def _validate_code_verifier(self, request: Request) -> None:
        """PKCE checks of the token request.

        RFC 7636 §4.5/§4.6: the server recomputes the challenge from
        ``code_verifier`` with the method bound to the code and compares (here in
        constant time); "If the values are not equal, an error response indicating
        "invalid_grant" ... MUST be returned." RFC 7636 §4.1: a verifier is 43 to 128
        unreserved characters. RFC 9700 §2.1.1 / §4.8.2: a ``code_verifier`` for a
        code that was issued without a challenge MUST be refused (PKCE downgrade),
        which can only be told when the validator stores challenges
        (:func:`~flask_oauth_provider.core.validator.stores_code_challenges`); with
        one that does not, the verifier is ignored as in oauthlib and a warning is
        logged once.
        An empty ``code_verifier`` counts as absent (RFC 6749 §3.2).
        """
        verifier = request.code_verifier or None
        challenge = self.request_validator.get_code_challenge(request.code, request)
        if challenge:
            if verifier is None:
                raise errors.MissingCodeVerifierError(request=request)
            method = self.request_validator.get_code_challenge_method(request.code, request)
            if method is None:
                raise errors.InvalidGrantError(
                    description="Challenge method not found", request=request
                )
            if method not in KNOWN_CODE_CHALLENGE_METHODS:
                # The validator stored something no authorization request can set:
                # a server bug, logged here and answered without detail.
                log.error("Stored code_challenge_method %r is unknown.", method)
                raise errors.ServerError(request=request)
            if method not in self.code_challenge_methods:
                raise errors.InvalidGrantError(
                    description="Transform algorithm not supported.", request=request
                )
            if not is_valid_code_verifier(verifier):
                raise errors.InvalidGrantError(
                    description="Invalid code_verifier.", request=request
                )
            if not verify_code_verifier(verifier, challenge, method):
                raise errors.InvalidGrantError(request=request)
        elif self.request_validator.is_pkce_required(request.client_id, request) is True:
            if verifier is None:
                raise errors.MissingCodeVerifierError(request=request)
            raise errors.InvalidGrantError(description="Challenge not found", request=request)
        elif verifier is not None:
            if not stores_code_challenges(self.request_validator):
                # The validator cannot tell "issued without a challenge" from "the
                # challenge was not kept": behave as oauthlib (ignore the verifier).
                _warn_pkce_not_stored(self.request_validator)
                return
            raise errors.InvalidRequestError(
                description="code_verifier given, but the authorization request had no "
                "code_challenge.",
                request=request,
            )

    def _confirm_redirect_uri(self, request: Request) -> None:
        """The redirect URI of the token request must be the one bound to the code.

        RFC 6749 §4.1.3: ``redirect_uri`` is "REQUIRED, if the "redirect_uri"
        parameter was included in the authorization request ..., and their values
        MUST be identical"; §5.2: ``invalid_grant`` when the grant "does not match
        the redirection URI used in the authorization request". Without a
        ``redirect_uri`` the client's default is confirmed
        (``request.using_default_redirect_uri`` is True, so that the validator can
        refuse a code that was bound to an explicit URI); with no default at all the
        authorization request must have carried one, so the code is refused too.
        Both failures are ``invalid_grant`` here (oauthlib: ``invalid_request``).
        """
        if request.redirect_uri is None:
            request.using_default_redirect_uri = True
            request.redirect_uri = self.request_validator.get_default_redirect_uri(
                request.client_id, request
            )
            if not request.redirect_uri:
                raise errors.InvalidGrantError(description="Missing redirect URI.", request=request)
        else:
            request.using_default_redirect_uri = False
        if not self.request_validator.confirm_redirect_uri(
            request.client_id, request.code, request.redirect_uri, request.client, request
        ):
            raise errors.InvalidGrantError(description="Mismatching redirect URI.", request=request)
