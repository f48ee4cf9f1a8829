"""The pushed authorization request endpoint's route (RFC 9126 §2): ``POST {prefix}/par``.

The rules are the core's (:mod:`flask_oauth_provider.core.endpoints.pushed_authorization`);
this adapts the request as the token endpoint's view does (transport, size, JSON errors,
``Cache-Control: no-store``). The route answers 404 while the validator has nowhere to
keep pushed requests (the bundled store without ``par_model``), and the metadata does not
name it then.
"""

from __future__ import annotations

from flask import Response
from werkzeug.exceptions import NotFound

from .core.par import supports_pushed_requests
from .state import current_state
from .views import blueprint, limited_json_endpoint


def pushed_authorization_request() -> Response:
    """RFC 9126 §2.1: the client authenticates and POSTs the authorization parameters;
    201 with ``request_uri`` and ``expires_in`` (§2.2), or a token-endpoint error (§2.3)."""
    if not supports_pushed_requests(current_state().validator):
        raise NotFound()

    return limited_json_endpoint(
        lambda state: state.server.create_pushed_authorization_response)


blueprint.add_url_rule("/par", "pushed_authorization_request", pushed_authorization_request,
                       methods=["POST"])
