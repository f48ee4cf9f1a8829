"""The pushed authorization request endpoint (RFC 9126) and its side of the
authorization endpoint.

:class:`PushedAuthorizationEndpoint` is a mixin of
:class:`~.authorization.AuthorizationEndpoint`: every server with an authorization
endpoint has it, and it validates a pushed request with that endpoint's grants.

* ``create_pushed_authorization_response`` (§2): POST, form body, no query; the client
  authenticates as at the token endpoint (§2.1: "the same rules for client
  authentication as would be used for the token endpoint", public clients by
  ``client_id``); a ``request_uri`` in the push is refused (§2.1); a signed request
  object (``request``, §3) is replaced by its verified parameters; the parameters are
  checked as the authorization endpoint checks them, without a user (§2.1); then they
  are stored under a fresh one-time ``request_uri`` and the answer is 201 with
  ``request_uri`` and ``expires_in`` (§2.2). Errors are those of the token endpoint
  (§2.3), JSON, never redirected.
* ``resolve_pushed_request`` (§4): an authorization request with ``request_uri`` and
  ``client_id`` is answered from the pushed parameters; the others on the front channel
  are ignored (RFC 9126 §4 defers to RFC 9101 §5/§6.3: the server "MUST only use the
  parameters" of the request object). Without ``request_uri``, a server or client that
  requires PAR (§5, §6) refuses the request, and does not redirect.
* ``redeem_pushed_request`` (§4 one-time use): the request URI is used up when the
  user's decision is answered, not when the consent page is shown, so a reload works
  (§4: "MAY allow for duplicate requests due to a user reloading") and a second
  authorization with it never does.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlencode, urlsplit, urlunsplit

from .. import errors
from ..par import (
    DEFAULT_LIFETIME,
    REQUEST_URI_PREFIX,
    new_request_uri,
    pushed_parameters,
    pushed_request_uri,
    pushed_requests_required,
    supports_pushed_requests,
)
from ..request import Request
from ..utils import scope_to_list
from .base import BaseEndpoint, catch_errors_and_unavailability, error_response, json_headers

log = logging.getLogger("flask_oauth_provider.core.endpoints")

#: Headers of the push that are not handed to the validation of its parameters: the
#: client's credentials belong to the push, not to the authorization request.
_CREDENTIAL_HEADERS = frozenset({"authorization", "dpop"})


class PushedAuthorizationEndpoint(BaseEndpoint):
    """RFC 9126 for the authorization endpoint (a mixin: needs ``_handler_for``).

    ``pushed_request_lifetime`` is the ``expires_in`` of a request URI;
    ``require_pushed_requests`` refuses every authorization request that was not
    pushed (§5, ``require_pushed_authorization_requests`` of the server).
    """

    pushed_request_lifetime: int = DEFAULT_LIFETIME
    require_pushed_requests: bool = False
    #: ``fn(push, params)``: the app's DPoP rule for a push (RFC 9449 §10.1), which may
    #: add ``dpop_jkt`` to the parameters or raise; ``None``: DPoP headers are ignored.
    pushed_request_dpop: Optional[Callable[[Request, Dict[str, str]], None]] = None

    @property
    def pushed_request_validator(self) -> Any:
        """The validator of the server (also for servers without revocation)."""
        validator = getattr(self, "request_validator", None)
        if validator is None:
            validator = self.default_response_type_handler.request_validator
        return validator

    @property
    def pushed_requests_enabled(self) -> bool:
        """Whether the validator stores pushed requests (else the endpoint is off)."""
        return supports_pushed_requests(self.pushed_request_validator)

    # -- the PAR endpoint (§2) ---------------------------------------------------------

    @catch_errors_and_unavailability
    def create_pushed_authorization_response(
        self, uri: str, http_method: str = "POST", body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Answer a push with ``(headers, json_body, status)``: 201 ``{"request_uri",
        "expires_in"}`` (§2.2) or an error of RFC 6749 §5.2 (§2.3)."""
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        try:
            params = self.validate_pushed_authorization_request(request)
        except errors.OAuth2Error as error:
            log.debug("Pushed authorization request refused: %s.", error.error)
            return error_response(_as_push_error(error))
        request_uri = new_request_uri()
        expires_in = int(self.pushed_request_lifetime)
        self.pushed_request_validator.save_pushed_authorization_request(
            request_uri, request.client_id, params, expires_in, request)
        log.debug("Stored a pushed authorization request of client %r.", request.client_id)
        answer = {"request_uri": request_uri, "expires_in": expires_in}
        return json_headers(), json.dumps(answer), 201

    def validate_pushed_authorization_request(self, request: Request) -> Dict[str, str]:
        """The checks of §2.1, in order; returns the parameters to store."""
        if not self.pushed_requests_enabled:
            raise errors.InvalidRequestError(
                description="Pushed authorization requests are not enabled.", request=request)
        if (request.http_method or "").upper() != "POST":
            # §2: "The client sends the parameters ... using the HTTP POST method".
            raise errors.InvalidRequestError(
                description="The pushed authorization request endpoint accepts POST only.",
                request=request)
        self._raise_on_bad_post_request(request)
        self._raise_on_parse_error(request)
        self._raise_on_non_form_body(request)
        self._raise_on_invalid_client(request)
        if any(name == "request_uri" for name, _ in request.decoded_body or []):
            # §2.1: "The request_uri authorization request parameter is one exception, and
            # it MUST NOT be provided."
            raise errors.InvalidRequestError(
                description="A pushed authorization request must not contain request_uri.",
                request=request)
        params = self._unpack_request_object(pushed_parameters(request), request)
        if self.pushed_request_dpop is not None:
            self.pushed_request_dpop(request, params)
        self._validate_pushed_parameters(params, request)
        return params

    def _unpack_request_object(self, params: Dict[str, str], push: Request) -> Dict[str, str]:
        """RFC 9126 §3: the pushed parameters may be one signed request object (RFC 9101
        ``request``); then its parameters, verified by the validator's
        ``request_object_parameters(client, token)``, are the request (RFC 9101 §5: only
        the object's parameters are used), for the client that authenticated."""
        token = params.get("request")
        if token is None:
            return params
        unpack = getattr(self.pushed_request_validator, "request_object_parameters", None)
        if unpack is None:
            raise errors.InvalidRequestError(
                description="Request objects are not supported here.", request=push)
        unpacked = dict(unpack(push.client, token))
        unpacked["client_id"] = push.client_id
        return unpacked

    def _validate_pushed_parameters(self, params: Dict[str, str], push: Request) -> None:
        """The authorization endpoint's checks of ``params`` (§2.1: "MUST validate the
        pushed request as it would an authorization request"), with no user: what
        depends on the user (prompt=none, id_token_hint) waits for §4."""
        headers = {key: value for key, value in (push.headers or {}).items()
                   if key.lower() not in _CREDENTIAL_HEADERS}
        request = Request(_with_query(push.uri, params), "GET", None, headers)
        request.being_pushed = True
        request.scopes = scope_to_list(request.scope)
        self._handler_for(request).validate_authorization_request(request)

    # -- the authorization endpoint (§4) -------------------------------------------------

    def resolve_pushed_request(self, request: Request) -> Request:
        """The authorization request to answer: for a ``request_uri``, the one pushed
        (§4), marked ``pushed_request_uri``; else ``request`` itself, unless PAR is
        required for the server (§5) or the client (§6). Raises
        :class:`~..errors.FatalClientError` subclasses: nothing is redirected."""
        request_uri = request._params.get("request_uri")
        if not (isinstance(request_uri, str) and request_uri.startswith(REQUEST_URI_PREFIX)):
            # Not a reference of this endpoint's (RFC 9101 §5.2 by-reference request
            # objects keep the grants' answer, request_uri_not_supported under OpenID).
            self._refuse_unpushed(request)
            return request
        client_id = request.client_id
        if not client_id:
            raise errors.InvalidRequestFatalError(
                description="An authorization request with request_uri needs client_id.",
                request=request)
        validator = self.pushed_request_validator
        params = None
        if supports_pushed_requests(validator):
            params = validator.get_pushed_authorization_request(request_uri, client_id,
                                                                request)
        if not params or params.get("client_id") != client_id:
            log.info("authorization request with an unusable request_uri (client %r)",
                     client_id)
            raise errors.InvalidRequestURIFatalError(request=request)
        pushed = Request(_with_query(request.uri, params), request.http_method, None,
                         request.headers)
        pushed.pushed_request_uri = request_uri
        return pushed

    def redeem_pushed_request(self, request: Any) -> None:
        """Use up the request URI of a pushed request when the decision is answered
        (§4 one-time use); ``invalid_request_uri`` when another answer already did."""
        request_uri = pushed_request_uri(request)
        if request_uri is None:
            return
        if not self.pushed_request_validator.consume_pushed_authorization_request(
                request_uri, request.client_id, request):
            log.info("request_uri of client %r used twice: refused", request.client_id)
            raise errors.InvalidRequestURIFatalError(request=request)

    def _refuse_unpushed(self, request: Request) -> None:
        """§5 (server) and §6 (client ``require_pushed_authorization_requests``): a
        request that was not pushed is ``invalid_request``, shown and not redirected:
        its redirect URI and parameters are exactly what PAR keeps off the front
        channel."""
        if pushed_requests_required(self.pushed_request_validator,
                                    self.require_pushed_requests, request.client_id,
                                    request):
            raise errors.InvalidRequestFatalError(
                description="This authorization request must be pushed first "
                            "(pushed authorization request endpoint, RFC 9126).",
                request=request)


def _with_query(uri: str, params: Dict[str, str]) -> str:
    """``uri`` with its query replaced by ``params``."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))


def _as_push_error(error: errors.OAuth2Error) -> errors.OAuth2Error:
    """A refusal of the pushed parameters as the token endpoint answers errors (§2.3):
    400 with the error code (401 only for ``invalid_client``), no redirect, no state."""
    error.redirect_uri = None
    error.state = None
    if error.error != "invalid_client" and (error.status_code or 400) < 500:
        error.status_code = 400
    return error
