"""Protecting resources with bearer tokens (RFC 6750)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

from .. import errors
from ..request import Request
from ..tokens import bearer_token_locations
from .base import BaseEndpoint, get_parse_error, parse_error_description

log = logging.getLogger("flask_oauth_provider.core.endpoints")


class ResourceEndpoint(BaseEndpoint):
    """Checks the access token a client presents to a protected resource.

    ``verify_request`` returns ``(valid, request)`` and never raises an OAuth error.
    After it, ``request.verify_error`` tells *why* a request failed when the reason
    is not simply "no valid token with these scopes":

    * ``None``: the token was missing, unknown, expired or lacked a scope; answer
      401 ``invalid_token`` / 403 ``insufficient_scope`` (RFC 6750 §3.1).
    * an ``errors.InvalidRequestError`` (400): the query or body could not be parsed,
      or the token came by more than one method (RFC 6750 §2, §3.1).
    * an ``errors.ServerError`` (500): the validator raised; the traceback was logged.
    * an ``errors.TemporarilyUnavailableError`` (503): ``available`` is off.

    Access tokens in the URI query are ignored unless ``allow_query_token=True``:
    RFC 6750 §2.3 only allowed them when no other method is possible, and OAuth 2.1
    §5.1 (draft) and RFC 9700 §4.3.2 (tokens leaking through URLs) drop them. A
    departure from oauthlib, which always reads ``?access_token=``.
    """

    def __init__(self, default_token: str, token_types: Dict[str, Any],
                 allow_query_token: bool = False) -> None:
        BaseEndpoint.__init__(self)
        self._tokens = token_types
        self._default_token = default_token
        self.allow_query_token = allow_query_token

    @property
    def default_token(self) -> str:
        return self._default_token

    @property
    def default_token_type_handler(self) -> Any:
        return self.tokens.get(self.default_token)

    @property
    def tokens(self) -> Dict[str, Any]:
        return self._tokens

    def verify_request(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        scopes: Optional[List[str]] = None,
    ) -> Tuple[bool, Request]:
        """Validate the access token of a resource request for ``scopes``.

        The token handler (``BearerToken.validate_request``) reads the token from
        the ``Authorization: Bearer`` header or the form body (RFC 6750 §2.1, §2.2)
        and asks ``validator.validate_bearer_token(token, scopes, request)``, which
        must also check expiry and scope (RFC 6750 §3.1) and set ``request.user``,
        ``request.client`` and ``request.scopes``. The validator is called even when
        no token was sent (with ``None``), as in oauthlib.
        """
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        request.allow_query_token = self.allow_query_token
        request.verify_error = None
        request.scopes = scopes
        request.token_type = None
        if not self.available:
            log.info("%s is unavailable; refusing the request.", type(self).__name__)
            request.verify_error = errors.TemporarilyUnavailableError(status_code=503)
            return False, request
        if get_parse_error(request):
            # RFC 6750 §3.1: "invalid_request: The request is ... malformed."
            request.verify_error = errors.InvalidRequestError(
                description=parse_error_description(request))
            return False, request
        try:
            request.token_type = self.find_token_type(request)
            handler = self.tokens.get(request.token_type, self.default_token_type_handler)
            log.debug("Dispatching token_type %r to %s.", request.token_type,
                      type(handler).__name__)
            valid = bool(handler.validate_request(request))
            if len(bearer_token_locations(request)) > 1:
                # RFC 6750 §2: "Clients MUST NOT use more than one method to transmit
                # the token in each request"; §3.1 makes it invalid_request.
                request.verify_error = errors.InvalidRequestError(
                    description="The access token was sent by more than one method.")
                valid = False
        except errors.OAuth2Error as e:
            log.debug("Resource request refused: %s.", e.error)
            request.verify_error = e
            return False, request
        except Exception:
            if not self.catch_errors:
                raise
            log.exception("Unexpected error while verifying a resource request.")
            request.verify_error = errors.ServerError(status_code=500)
            return False, request
        return valid, request

    def find_token_type(self, request: Request) -> Optional[str]:
        """RFC 6749 §7.1 gives no way to tell token types apart, so each handler
        estimates how likely the request carries its type; the best guess wins."""
        estimates = sorted(((handler.estimate_type(request), name)
                            for name, handler in self.tokens.items()), reverse=True)
        if not estimates:
            return None
        # No handler recognises the request (e.g. no token at all): the default type
        # answers, not whichever name sorts last (oauthlib picks "JWT" over "Bearer").
        return estimates[0][1] if estimates[0][0] > 0 else self.default_token
