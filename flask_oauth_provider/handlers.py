"""Where an app routed its Flask-OAuthlib ``*_handler`` views, and handing requests to them.

Flask-OAuthlib left the routes to the app: its consent view, decorated with
``authorize_handler`` and usually with a login check, sits at a URL of the app's
choosing. The package's blueprint serves ``/oauth/authorize`` (token, revoke) as well;
:func:`app_view_for` makes a request reaching the blueprint's rule run the app's own
view, with every decorator the app put on it.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Response, abort, current_app
from flask import request as flask_request

#: Set on a Flask request that was handed to the app's own view.
_DELEGATED_ATTRIBUTE = "oauth2_delegated"

#: The mark of the views ``authorize_handler``, ``token_handler`` and ``revoke_handler``
#: return: the name of the blueprint view they answer with.
DELEGATES_TO = "oauth2_delegates_to"


def _wraps_handler(view: Any, blueprint_view: str, depth: int = 0) -> bool:
    """Whether ``view`` is, or wraps, the view a ``*_handler`` decorator returned.

    Decorators are looked through by ``__wrapped__`` (``functools.wraps``) and by the
    functions their closures hold (a decorator written without ``wraps``).
    """
    if depth > 16 or not callable(view):
        return False
    if getattr(view, DELEGATES_TO, None) == blueprint_view:
        return True
    inner = [getattr(view, "__wrapped__", None)]
    inner += [_cell_contents(cell) for cell in getattr(view, "__closure__", None) or ()]
    return any(_wraps_handler(f, blueprint_view, depth + 1) for f in inner
               if f is not None and f is not view)


def _cell_contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def app_view_for(blueprint_view: str, blueprint_name: str) -> Optional[Response]:
    """Answer with the app's own view for this endpoint, if the app routed one.

    A Flask-OAuthlib app routes its consent (token, revocation) view itself, decorated
    with ``authorize_handler`` and usually with a login check. Whatever URL the app
    chose, a request reaching the blueprint's rule is handed to the app's view (the
    one at the same URL first, else the one wrapping the handler), so the app's
    decorators stay in force (RFC 6749 §3.1: the server authenticates the resource
    owner first). Returns ``None`` when the app routed no such view, or when this
    request already is the app's (it calls back into the blueprint view).
    """
    rule = flask_request.url_rule
    if rule is None or rule.endpoint.split(".")[0] != blueprint_name:
        return None
    if getattr(flask_request, _DELEGATED_ATTRIBUTE, False):
        return None
    own = [other for other in current_app.url_map.iter_rules()
           if other.endpoint.split(".")[0] != blueprint_name]
    same_url = [other for other in own if other.rule == rule.rule]
    wrapping = [other for other in own
                if _wraps_handler(current_app.view_functions.get(other.endpoint),
                                  blueprint_view)]
    for other in same_url + wrapping:
        if flask_request.method in (other.methods or ()):
            setattr(flask_request, _DELEGATED_ATTRIBUTE, True)
            view = current_app.view_functions[other.endpoint]
            arguments = flask_request.view_args if other in same_url else {}
            return current_app.make_response(
                current_app.ensure_sync(view)(**(arguments or {})))
    if wrapping:
        abort(405)  # the app's view does not take this method
    return None
