"""The pushed authorization request endpoint's route (RFC 9126 §2): ``POST {prefix}/par``.

The rules are the core's (:mod:`flask_oauth_provider.core.endpoints.pushed_authorization`);
this adapts the request as the token endpoint's view does (transport, size, JSON errors,
``Cache-Control: no-store``). The route answers 404 while the validator has nowhere to
keep pushed requests (the bundled store without ``par_model``), and the metadata does not
name it then.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from werkzeug.exceptions import NotFound

from .core import errors
from .core.endpoints.base import error_response
from .core.par import supports_pushed_requests
from .core.request import Request
from .state import ProviderState, check_parameters, current_state
from .views import blueprint, json_endpoint


def pushed_authorization_request() -> Response:
    """RFC 9126 §2.1: the client authenticates and POSTs the authorization parameters;
    201 with ``request_uri`` and ``expires_in`` (§2.2), or a token-endpoint error (§2.3)."""
    if not supports_pushed_requests(current_state().validator):
        raise NotFound()

    def call(state: ProviderState, uri: str, method: str, body: Any, headers: dict) -> tuple:
        try:
            # The length limits of every parameter, as at the token endpoint.
            check_parameters(Request(uri, method, body, headers))
        except errors.OAuth2Error as error:
            return error_response(error)
        return state.server.create_pushed_authorization_response(uri, method, body, headers)

    return json_endpoint(call)


blueprint.add_url_rule("/par", "pushed_authorization_request", pushed_authorization_request,
                       methods=["POST"])
