"""The device authorization grant (RFC 8628): the device's side of the flow.

A device with no browser (a command-line tool, a television) asks the device
authorization endpoint for a ``device_code`` and a ``user_code`` (RFC 8628 §3.1, §3.2;
:mod:`..endpoints.device_authorization`), shows the user code, and polls the token
endpoint with the device code (§3.4) while the user approves or denies on another
device (§3.3). This module holds the rules of both requests the device makes.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Optional

from .. import errors
from ..utils import scope_to_list
from ..validator import DeviceRequestValidator
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")

#: RFC 8628 §3.4: the ``grant_type`` value of the device access token request.
DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
DEFAULT_INTERVAL = 5
#: RFC 8628 §3.5: on ``slow_down`` "the interval MUST be increased by 5 seconds for
#: this and all subsequent requests".
SLOW_DOWN_STEP = 5


class DeviceCodeGrant(GrantTypeBase):
    """Device authorization grant, RFC 8628.

    Device authorization request (``validate_device_authorization_request``), in
    order: duplicate ``client_id`` / ``scope`` -> ``client_authentication_required``
    -> ``authenticate_client`` | ``authenticate_client_id`` -> ``validate_grant_type``
    -> [``get_default_scopes``] -> ``validate_scopes``. The endpoint then makes the
    codes and calls ``save_device_code``.

    Token request (``validate_token_request``), in order: ``pre_token`` ->
    ``device_code`` present -> duplicates -> ``client_authentication_required`` ->
    ``authenticate_client`` | ``authenticate_client_id`` -> ``validate_grant_type``
    -> ``validate_device_code`` -> [while pending: ``get_device_code_poll`` ->
    ``save_device_code_poll``] -> [``get_default_scopes``] -> ``validate_scopes`` ->
    ``post_token``. Then ``redeem_device_code`` (exactly one of racing polls wins),
    the token (with a refresh token unless the grant is built with
    ``refresh_token=False``), the token modifiers ``fn(token, token_handler,
    request)`` and ``save_token``.

    ``validate_device_code`` answers one of the ``DEVICE_CODE_*`` statuses below (the
    values oauthlib uses); ``None`` or anything else means an unknown device code.
    ``clock`` (default ``time.time``) gives the time of a poll, in seconds.
    """

    #: Statuses ``RequestValidator.validate_device_code`` returns (RFC 8628 §3.5).
    DEVICE_CODE_AUTHORIZED = "authorized"
    DEVICE_CODE_PENDING = errors.AuthorizationPendingError.error
    DEVICE_CODE_SLOW_DOWN = errors.SlowDownError.error
    DEVICE_CODE_EXPIRED = errors.ExpiredTokenError.error
    DEVICE_CODE_DENIED = errors.AccessDeniedError.error

    _status_errors = {
        error_class.error: error_class
        for error_class in (
            errors.AuthorizationPendingError,
            errors.SlowDownError,
            errors.ExpiredTokenError,
            errors.AccessDeniedError,
        )
    }

    def __init__(
        self,
        request_validator: Optional[DeviceRequestValidator] = None,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(request_validator or DeviceRequestValidator(), clock=clock, **kwargs)

    # -- device authorization endpoint --------------------------------------------------

    def validate_device_authorization_request(self, request: Any) -> None:
        """Check a device authorization request (RFC 8628 §3.1); raise an OAuth2Error.

        §3.1: "The client authentication requirements of Section 3.2.1 of [RFC6749]
        apply to requests on this endpoint": confidential clients authenticate as at
        the token endpoint, public clients send ``client_id``. ``scope`` is OPTIONAL
        and checked as in RFC 6749 §3.3. A client that may not use this grant is
        refused here already (``unauthorized_client``), so that no user approves a
        code its device could never redeem.
        """
        self._check_duplicate_params(request, ("client_id", "scope"))
        self.validate_client_authentication(request)
        request.grant_type = DEVICE_CODE_GRANT_TYPE
        self.validate_grant_type(request)
        request.scopes = scope_to_list(request.scope)
        self.validate_scopes(request)

    # -- token endpoint -----------------------------------------------------------------

    def create_token_response(self, request: Any, token_handler: Any) -> TokenResponse:
        """Answer a device access token request (RFC 8628 §3.4, §3.5).

        Success: 200 with the RFC 6749 §5.1 JSON token. While the user has not decided:
        ``authorization_pending`` or ``slow_down``; then ``access_denied`` or
        ``expired_token`` (§3.5), all as RFC 6749 §5.2 JSON errors with status 400.
        """
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
            self.redeem_device_code(request)
        except errors.OAuth2Error as error:
            log.debug("Device token request of client %r: %s", request.client_id, error.error)
            return self._error_response(error)

        token = token_handler.create_token(request, refresh_token=self.refresh_token)
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        self.request_validator.save_token(token, request)
        log.debug("Issued a token to client %r for a device code.", request.client_id)
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Any) -> None:
        """Check a device access token request (RFC 8628 §3.4); raise an OAuth2Error."""
        if request.grant_type != DEVICE_CODE_GRANT_TYPE:
            raise errors.UnsupportedGrantTypeError(request=request)
        for validator in self.custom_validators.pre_token:
            validator(request)
        if not request.device_code:
            raise errors.InvalidRequestError(
                description="Missing device_code parameter.", request=request
            )
        self._check_duplicate_params(request, ("client_id", "grant_type", "device_code", "scope"))

        self.validate_client_authentication(request)
        self.validate_grant_type(request)
        self.validate_device_code(request)
        self._validate_granted_scopes(request)

        for validator in self.custom_validators.post_token:
            validator(request)

    def validate_device_code(self, request: Any) -> None:
        """Ask the validator where the device code stands; raise unless authorized.

        RFC 8628 §3.5 errors: ``authorization_pending``, ``slow_down``,
        ``access_denied``, ``expired_token``. An unknown device code, one issued to
        another client, or one already redeemed is ``invalid_grant`` (RFC 6749 §5.2).
        ``request.scopes`` is cleared first: the token carries the scopes the user
        approved, which the validator sets, never a ``scope`` the device sends now.
        """
        request.scopes = None
        status = self.request_validator.validate_device_code(
            request.client_id, request.device_code, request
        )
        if status == self.DEVICE_CODE_AUTHORIZED:
            return
        if status == self.DEVICE_CODE_PENDING:
            self._pace_polling(request)
        error_class = self._status_errors.get(status)
        if error_class is not None:
            raise error_class(request=request)
        if status is not None:
            log.warning(
                "validate_device_code returned %r, which is no DEVICE_CODE_* status; "
                "treating the device code as unknown.",
                status,
            )
        raise errors.InvalidGrantError(request=request)

    def _pace_polling(self, request: Any) -> None:
        """Raise ``slow_down`` when a pending device code is polled before its interval.

        RFC 8628 §3.5: the client "MUST wait at least the number of seconds specified
        by the "interval" parameter"; polling faster is answered with ``slow_down`` and
        the interval "MUST be increased by 5 seconds for this and all subsequent
        requests". The interval and the time of the last poll are kept per device
        code by the validator; a validator without ``get_device_code_poll`` (one
        written for oauthlib) paces polls itself through ``validate_device_code``.
        """
        validator = self.request_validator
        if not hasattr(validator, "get_device_code_poll"):
            return
        poll = validator.get_device_code_poll(request.client_id, request.device_code, request)
        if poll is None:
            return
        last_polled_at, interval = poll
        interval = interval or DEFAULT_INTERVAL
        now = self.clock()
        too_fast = last_polled_at is not None and now - last_polled_at < interval
        if too_fast:
            interval += SLOW_DOWN_STEP
        validator.save_device_code_poll(
            request.client_id, request.device_code, now, interval, request
        )
        if too_fast:
            log.debug("Client %r polls too fast; interval now %d s.", request.client_id, interval)
            raise errors.SlowDownError(request=request)

    def _validate_granted_scopes(self, request: Any) -> None:
        """The approved scopes, else the client's defaults, checked once more.

        RFC 8628 §3.4 defines no ``scope`` in the token request; the scopes come from
        the device authorization the user approved (set by ``validate_device_code``).
        They are checked against the client again, as the client's allowed scopes
        may have shrunk since (RFC 6749 §3.3).
        """
        if not request.scopes:
            request.scopes = scope_to_list(
                self.request_validator.get_default_scopes(request.client_id, request)
            )
        if not self.request_validator.validate_scopes(
            request.client_id, request.scopes, request.client, request
        ):
            raise errors.InvalidScopeError(request=request)

    def redeem_device_code(self, request: Any) -> None:
        """Use the device code up, once; a second redemption is ``invalid_grant``.

        RFC 8628 §3.5 ends the flow with the token response; RFC 6749 §10.5 asks that
        a grant be used once. Two polls that race past ``validate_device_code``
        both reach here, and the validator lets exactly one of them through. A
        validator without ``redeem_device_code`` (one written for oauthlib) keeps
        single use in ``validate_device_code``.
        """
        if not hasattr(self.request_validator, "redeem_device_code"):
            return
        if not self.request_validator.redeem_device_code(
            request.client_id, request.device_code, request
        ):
            log.info("Device code of client %r was already redeemed.", request.client_id)
            raise errors.InvalidGrantError(request=request)
