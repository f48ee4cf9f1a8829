"""Shared machinery of the endpoints: availability, error containment, request checks.

Every public endpoint method is wrapped by :func:`catch_errors_and_unavailability`.
The wrapper is where this core departs from oauthlib on purpose:

* An endpoint switched off (``endpoint.available = False``) answers
  ``503 {"error": "temporarily_unavailable"}`` as JSON (RFC 6749 §4.1.2.1 names the
  error; RFC 7009 §2.2.1 names the 503 status for the revocation endpoint).
* An exception that is not an :class:`~flask_oauth_provider.core.errors.OAuth2Error`
  (a bug or an outage inside a validator) is logged with its traceback and answered
  with ``500 {"error": "server_error"}`` and nothing else, so no internal detail
  reaches the client (RFC 6749 §5.2 lists no such case; §4.1.2.1 defines
  ``server_error``). oauthlib only does this when ``catch_errors`` is set and then
  sends no JSON headers.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
from typing import Any, Callable, Dict, Iterable, Optional, TypeVar

from .. import errors
from ..client_auth import bind_authenticated_client
from ..request import Request, get_parse_error
from ..signals import CLIENT_AUTHENTICATED, SendSignal, no_signal

log = logging.getLogger("flask_oauth_provider.core.endpoints")

F = TypeVar("F", bound=Callable[..., Any])

#: RFC 6749 §5.2: error_description may only hold these characters.
_SAFE_DESCRIPTION = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")

#: RFC 6749 §5.1: "The authorization server MUST include the HTTP "Cache-Control"
#: response header field with a value of "no-store" in any response containing
#: tokens, credentials, or other sensitive information, as well as the "Pragma"
#: response header field with a value of "no-cache"."
JSON_HEADERS: Dict[str, str] = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

SERVER_ERROR_BODY = json.dumps({"error": "server_error"})
UNAVAILABLE_BODY = json.dumps({"error": "temporarily_unavailable"})


def json_headers(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """A fresh copy of the JSON/no-store headers, updated with ``extra``."""
    headers = dict(JSON_HEADERS)
    if extra:
        headers.update(extra)
    return headers


def error_response(error: errors.OAuth2Error) -> tuple:
    """``(headers, body, status)`` for an error at a JSON endpoint (RFC 6749 §5.2).

    401 answers carry the ``WWW-Authenticate`` header the error supplies.
    """
    return json_headers(error.headers), error.json, error.status_code


def server_error_response() -> tuple:
    """The 500 answer for an unexpected exception: the bare error code, no detail."""
    return json_headers(), SERVER_ERROR_BODY, 500


def unavailable_response() -> tuple:
    """The 503 answer of an endpoint whose ``available`` flag is off."""
    return json_headers(), UNAVAILABLE_BODY, 503


def parse_error_description(request: Request) -> str:
    """A fixed, client-safe description for a request with a ``parse_error``.

    The Request's own text may quote the offending input, which is not echoed back
    (RFC 6749 §5.2 restricts ``error_description`` to a small character set).
    """
    if getattr(request, "query_parse_error", None):
        return "Unable to parse query string"
    return "Unable to parse the request body"


class BaseEndpoint:
    """State and request checks shared by all endpoints (oauthlib's names)."""

    #: ``send_signal(name, request)``: the server's signal hook (``core.signals``).
    send_signal: SendSignal = staticmethod(no_signal)

    def __init__(self) -> None:
        self._available = True
        # Departure from oauthlib (default False there): unexpected exceptions are
        # always turned into a 500 answer unless an application switches this off,
        # e.g. to see the exception in a debugger.
        self._catch_errors = True
        self._valid_request_methods = None

    @property
    def valid_request_methods(self):
        return self._valid_request_methods

    @valid_request_methods.setter
    def valid_request_methods(self, valid_request_methods) -> None:
        if valid_request_methods is not None:
            valid_request_methods = [m.upper() for m in valid_request_methods]
        self._valid_request_methods = valid_request_methods

    @property
    def available(self) -> bool:
        return self._available

    @available.setter
    def available(self, available: bool) -> None:
        self._available = available

    @property
    def catch_errors(self) -> bool:
        return self._catch_errors

    @catch_errors.setter
    def catch_errors(self, catch_errors: bool) -> None:
        self._catch_errors = catch_errors

    # -- checks used by the token, revocation and introspection endpoints ------

    def _raise_on_bad_method(self, request) -> None:
        """RFC 6749 §3.2: "The client MUST use the HTTP "POST" method when making
        access token requests."; RFC 7009 §2.1 and RFC 7662 §2.1 say the same."""
        allowed = self._methods_for_checks()
        method = (request.http_method or "").upper()
        if method not in allowed:
            shown = method if _SAFE_DESCRIPTION.match(method) else "?"
            raise errors.InvalidRequestError(
                request=request, description=f"Unsupported request method {shown}")

    def _raise_on_bad_post_request(self, request) -> None:
        """Parameters belong in the form body, never in the URI (RFC 6749 §2.3.1:
        client credentials "MUST NOT be included in the request URI"; RFC 9700
        §4.3.2 on leaking secrets through URLs)."""
        if (request.http_method or "").upper() == "POST" and request.uri_query:
            raise errors.InvalidRequestError(
                request=request, description="URL query parameters are not allowed")

    def _raise_on_parse_error(self, request) -> None:
        """A body or query that is not valid ``application/x-www-form-urlencoded``
        (RFC 6749 Appendix B) is a malformed request, ``invalid_request`` (§5.2)."""
        if get_parse_error(request):
            raise errors.InvalidRequestError(
                request=request,
                description=parse_error_description(request))

    def _raise_on_non_form_body(self, request) -> None:
        """RFC 6749 §3.2 / §4.1.3, RFC 7009 §2.1, RFC 7662 §2.1: parameters are sent
        "using the application/x-www-form-urlencoded format". A body declared as
        another media type (JSON, multipart) would silently carry no parameters;
        it is refused as ``invalid_request`` instead."""
        body = request.body
        content_type = request.headers.get("Content-Type") if request.headers else None
        if not (isinstance(body, (str, bytes)) and body.strip() and content_type):
            return
        media_type = content_type.split(";")[0].strip().lower()
        if media_type != FORM_MEDIA_TYPE:
            raise errors.InvalidRequestError(
                request=request,
                description="The request body must be application/x-www-form-urlencoded.")

    def _raise_on_missing_token(self, request) -> None:
        """RFC 7009 §2.1 and RFC 7662 §2.1: the ``token`` parameter is REQUIRED."""
        if not request.token:
            raise errors.InvalidRequestError(
                request=request, description="Missing token parameter.")

    def _raise_on_invalid_client(self, request) -> None:
        """RFC 7009 §2.1 / RFC 7662 §2.1: the caller authenticates as in RFC 6749
        §2.3; a failure is ``invalid_client`` (RFC 6749 §5.2).

        When the validator identifies a client (``request.client``), its identifier
        fills an empty ``request.client_id``; a different identifier in the request
        is ``invalid_client`` (oauthlib does not check this here).
        """
        validator = self.request_validator
        if validator.client_authentication_required(request):
            if not validator.authenticate_client(request):
                log.debug("Client authentication failed at %s.", type(self).__name__)
                raise errors.InvalidClientError(request=request)
        elif not validator.authenticate_client_id(request.client_id, request):
            log.debug("Client identification failed at %s.", type(self).__name__)
            raise errors.InvalidClientError(request=request)
        self.send_signal(CLIENT_AUTHENTICATED, request)
        bind_authenticated_client(request)

    def _raise_on_unsupported_token(self, request) -> None:
        """RFC 7009 §2.2.1: ``unsupported_token_type`` when the server cannot handle
        the hinted type; hints it does not know are ignored (§2.1)."""
        hint = request.token_type_hint
        if hint and hint in self.valid_token_types and hint not in self.supported_token_types:
            raise errors.UnsupportedTokenTypeError(request=request)

    def _methods_for_checks(self):
        methods = self.valid_request_methods
        if methods is None:
            raise ValueError('Configure "valid_request_methods" property first')
        return [m.upper() for m in methods]


class TokenManagementEndpoint(BaseEndpoint):
    """What revocation (RFC 7009) and introspection (RFC 7662) share: a client that
    authenticates as in RFC 6749 §2.3 POSTs a ``token`` and an optional
    ``token_type_hint`` in a form body."""

    valid_token_types = ("access_token", "refresh_token")
    valid_request_methods = ("POST",)

    def __init__(self, request_validator: Any,
                 supported_token_types: Optional[Iterable[str]] = None) -> None:
        BaseEndpoint.__init__(self)
        self.request_validator = request_validator
        self.supported_token_types = tuple(supported_token_types or self.valid_token_types)

    def _validate_token_management_request(self, request: Request) -> None:
        """POST only, no URI query, a parseable form body, ``token`` present, the client
        authenticated, and a supported ``token_type_hint`` (RFC 7009 §2.1, §2.2.1;
        RFC 7662 §2.1)."""
        self._raise_on_bad_method(request)
        self._raise_on_bad_post_request(request)
        self._raise_on_parse_error(request)
        self._raise_on_non_form_body(request)
        self._raise_on_missing_token(request)
        self._raise_on_invalid_client(request)
        self._raise_on_unsupported_token(request)


def catch_errors_and_unavailability(f: F) -> F:
    """Wrap a JSON-answering endpoint method (token, revocation, introspection).

    * ``available`` off: 503 ``temporarily_unavailable``.
    * with ``catch_errors`` on (our default), an ``OAuth2Error`` that escaped the
      grant, including a ``FatalClientError`` and one raised by the validator's
      ``save_token``, ``revoke_token`` or ``introspect_token``: its JSON error answer,
      because these endpoints answer every error in JSON (RFC 6749 §5.2, RFC 7009
      §2.2.1, RFC 7662 §2.3) and "fatal" only forbids redirecting, which a JSON
      endpoint never does; one without an error code (a bare ``OAuth2Error``) is a
      500 ``server_error``. oauthlib re-raises every ``OAuth2Error`` here.
    * with ``catch_errors`` on, any other exception: logged with traceback, 500
      ``server_error``.
    * with ``catch_errors`` off: everything is raised, as in oauthlib.

    A call with wrong arguments is still a ``TypeError`` for the caller: when the call
    fails (or is not made), the arguments are bound against the signature first, so a
    binding error is raised rather than answered. A successful call skips that check
    (``inspect.Signature.bind`` is pure Python and showed in the token endpoint's
    profile).
    """
    signature = inspect.signature(f)

    @functools.wraps(f)
    def wrapper(endpoint, *args, **kwargs):
        if not endpoint.available:
            signature.bind(endpoint, *args, **kwargs)
            log.info("%s is unavailable; answering 503.", type(endpoint).__name__)
            return unavailable_response()
        if not endpoint.catch_errors:
            return f(endpoint, *args, **kwargs)
        try:
            return f(endpoint, *args, **kwargs)
        except errors.OAuth2Error as e:
            if not e.error:
                # A bare OAuth2Error / FatalClientError names no RFC error code, so it
                # cannot be answered as one: a validator bug, answered server_error.
                log.exception("%s.%s: an OAuth2Error without an error code escaped; "
                              "answering server_error.", type(endpoint).__name__, f.__name__)
                return server_error_response()
            log.debug("%s: %s escaped to the endpoint.", type(endpoint).__name__, e.error)
            return error_response(e)
        except Exception:
            signature.bind(endpoint, *args, **kwargs)  # wrong arguments: the caller's error
            log.exception("Unexpected error in %s.%s; answering server_error.",
                          type(endpoint).__name__, f.__name__)
            return server_error_response()

    return wrapper  # type: ignore[return-value]
