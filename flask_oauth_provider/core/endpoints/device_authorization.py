"""The device authorization endpoint (RFC 8628 §3.1, §3.2).

A device POSTs its ``client_id`` (or authenticates) and an optional ``scope``; the
answer carries a ``device_code`` for the device to poll the token endpoint with, a
``user_code`` for the user to type at ``verification_uri``, and how long both live.

Departures from oauthlib's ``DeviceAuthorizationEndpoint`` (same constructor):

* Errors are answered as RFC 6749 §5.2 JSON (RFC 8628 §3.2 refers to it), as the
  token endpoint does; oauthlib raises them. The success body is a JSON string with
  ``Cache-Control: no-store`` (oauthlib returns a dict and no headers).
* The codes are stored here, through the validator's ``save_device_code``; oauthlib
  leaves that to the caller. A validator that finds the user code already taken by a
  live authorization returns False, and a fresh user code is made.
* The user code follows RFC 8628 §6.1 (``WDJB-MJHT``, see :mod:`..user_codes`);
  oauthlib's default is a 30-character token a user would have to type.
* ``interval`` defaults to 5 and is always sent; ``expires_in`` defaults to 600
  seconds (oauthlib: 1800), a shorter window for guessing user codes (RFC 8628 §5.1).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, Optional, Tuple, Union

from .. import errors
from ..grants.device_code import DEFAULT_INTERVAL, DeviceCodeGrant
from ..request import Request
from ..user_codes import generate_user_code
from ..utils import add_params_to_uri, generate_token
from .base import BaseEndpoint, catch_errors_and_unavailability, error_response, json_headers

log = logging.getLogger("flask_oauth_provider.core.endpoints")

#: Default lifetime of a device code and its user code, in seconds.
DEFAULT_EXPIRES_IN = 600
#: How many fresh user codes are tried when the validator reports one as taken.
USER_CODE_ATTEMPTS = 3

VerificationUriComplete = Optional[Union[str, Callable[[str], str]]]


class DeviceAuthorizationEndpoint(BaseEndpoint):
    """Device authorization endpoint, RFC 8628 §3.1.

    ``verification_uri`` is where the user enters the code (§3.2: "should be short and
    easy to remember"), a string or a callable ``() -> str`` asked per request (a web
    framework knows the host only then); with ``None`` the endpoint is switched off and
    answers ``unsupported_grant_type``. ``verification_uri_complete`` is a format string with
    ``{user_code}``, a callable ``f(user_code) -> str``, or ``True`` for
    ``verification_uri?user_code=...``; ``None`` leaves it out. ``user_code_generator``
    is a callable ``() -> str`` replacing the RFC 8628 §6.1 generator. The checks of
    the request belong to ``device_code_grant`` (a :class:`DeviceCodeGrant`).
    """

    valid_request_methods = ("POST",)

    def __init__(
        self,
        request_validator: Any,
        verification_uri: Optional[Union[str, Callable[[], str]]],
        expires_in: int = DEFAULT_EXPIRES_IN,
        interval: Optional[int] = DEFAULT_INTERVAL,
        verification_uri_complete: VerificationUriComplete = None,
        user_code_generator: Optional[Callable[[], str]] = None,
        *,
        device_code_grant: Optional[DeviceCodeGrant] = None,
    ) -> None:
        BaseEndpoint.__init__(self)
        self.request_validator = request_validator
        self.device_code_grant = device_code_grant or DeviceCodeGrant(request_validator)
        self._verification_uri = verification_uri
        self._expires_in = expires_in
        self._interval = interval
        self._verification_uri_complete = verification_uri_complete
        self.user_code_generator = user_code_generator or generate_user_code

    @property
    def device_authorization_enabled(self) -> bool:
        """Whether this endpoint hands out device codes (a verification URI is set)."""
        return bool(self._verification_uri)

    @property
    def verification_uri(self) -> Optional[str]:
        """The page where the user types the user code (RFC 8628 §3.2)."""
        uri = self._verification_uri
        return uri() if callable(uri) else uri

    @property
    def expires_in(self) -> int:
        """The lifetime in seconds of the device code and the user code."""
        return self._expires_in

    @property
    def interval(self) -> int:
        """Seconds the device waits between polls (RFC 8628 §3.2; 5 when unset)."""
        return self._interval or DEFAULT_INTERVAL

    def verification_uri_complete(self, user_code: str,
                                  verification_uri: Optional[str] = None) -> Optional[str]:
        """The verification URI with the user code in it (RFC 8628 §3.3.1), or None."""
        complete = self._verification_uri_complete
        if not complete:
            return None
        if complete is True:
            return add_params_to_uri(verification_uri or self.verification_uri,
                                     [("user_code", user_code)])
        if callable(complete):
            return complete(user_code)
        return complete.format(user_code=user_code)

    @catch_errors_and_unavailability
    def create_device_authorization_response(
        self,
        uri: str,
        http_method: str = "POST",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Answer a device authorization request: ``(headers, json_body, status)``.

        RFC 8628 §3.2: 200 with ``device_code``, ``user_code``, ``verification_uri``,
        ``verification_uri_complete`` (when configured), ``expires_in`` and
        ``interval``; errors as in RFC 6749 §5.2.
        """
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        try:
            self.validate_device_authorization_request(request)
        except errors.OAuth2Error as error:
            log.debug("Device authorization request refused: %s.", error.error)
            return error_response(error)

        for _ in range(USER_CODE_ATTEMPTS):
            code = self.create_device_code(request)
            if self.request_validator.save_device_code(
                    request.client_id, dict(code), request) is not False:
                log.debug("Issued a device code to client %r.", request.client_id)
                return json_headers(), json.dumps(code), 200
        # The validator found every fresh user code taken: far too many live codes.
        log.error("No free user code after %d tries; answering server_error.",
                  USER_CODE_ATTEMPTS)
        raise errors.ServerError(request=request)

    def validate_device_authorization_request(self, request: Request) -> None:
        """POST only, no URI query, a form body (RFC 8628 §3.1: "using the
        "application/x-www-form-urlencoded" format"), then the grant's checks."""
        if not self.device_authorization_enabled:
            raise errors.UnsupportedGrantTypeError(
                description="The device authorization grant is not enabled.", request=request
            )
        self._raise_on_bad_method(request)
        self._raise_on_bad_post_request(request)
        self._raise_on_parse_error(request)
        self._raise_on_non_form_body(request)
        self.device_code_grant.validate_device_authorization_request(request)

    def create_device_code(self, request: Request) -> Dict[str, Any]:
        """The codes and the parameters of the answer (RFC 8628 §3.2).

        The device code is random from ``secrets`` with 256 bits (RFC 8628 §5.2 and
        RFC 6749 §10.10: guessing must be infeasible); the user code is short for a
        person to type (§6.1).
        """
        user_code = self.user_code_generator()
        verification_uri = self.verification_uri
        code: Dict[str, Any] = {
            "device_code": generate_token(),
            "user_code": user_code,
            "verification_uri": verification_uri,
        }
        complete = self.verification_uri_complete(user_code, verification_uri)
        if complete:
            code["verification_uri_complete"] = complete
        code["expires_in"] = self.expires_in
        code["interval"] = self.interval
        return code
