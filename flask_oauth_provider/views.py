"""The blueprint: authorization (consent), token, revocation, introspection, metadata.

Each view adapts the Flask request with :mod:`flask_oauth_provider.http`, hands it to
the app's core server (:attr:`~flask_oauth_provider.state.ProviderState.server`) and turns the
answer back into a response. OAuth rules live in the core; what lives here is the part
that needs a browser: the logged-in user, the consent page, CSRF, and the headers that
keep those pages out of frames and caches.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, render_template, url_for
from flask import request as flask_request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from . import dpop, http, signals
from .config import KNOWN_GRANT_TYPES
from .core import errors
from .core.client_auth import extract_client_credentials
from .core.endpoints.base import error_response
from .core.openid.rules import token_bearing
from .core.request import Request
from .core.types import Client
from .core.utils import add_params_to_uri
from .forms import ConsentForm
from .handlers import app_view_for
from .openid_views import (
    authorization_answer,
    authorization_post_as_get,
    consent_claims,
    consent_may_be_skipped,
    reauthentication,
)
from .request_objects import unpack_authorization_request
from .state import ProviderState, check_parameters, current_state, issuer_of

log = logging.getLogger("flask_oauth_provider.views")

#: Errors of prompt=none (OpenID Connect Core §3.1.2.6), redirected without a login page.
PROMPT_NONE_ERRORS = ("login_required", "consent_required", "interaction_required",
                      "account_selection_required")

blueprint = Blueprint("oauth2_provider", __name__, template_folder="templates")


def exempt_from_flask_wtf_csrf(endpoint: Optional[str] = None,
                               values: Optional[dict] = None) -> None:
    """Keep Flask-WTF's app-wide ``CSRFProtect`` off this blueprint's endpoints.

    A URL value preprocessor of the provider's blueprints: it runs before every
    ``before_request`` function, Flask-WTF's included, so it works whichever of the two
    extensions was set up first, and only for the provider's own routes (an app's
    protected views pay nothing for it). The token, revocation
    and introspection endpoints are called by clients, not browsers, and authenticate
    the client instead (RFC 6749 §2.3); the consent form carries its own CSRF token
    (:mod:`~flask_oauth_provider.forms`), in the field name Flask-WTF would read.
    """
    csrf = current_app.extensions.get("csrf")
    name = flask_request.blueprint
    if csrf is not None and name in CSRF_EXEMPT_BLUEPRINTS:
        csrf.exempt(current_app.blueprints[name])


blueprint.url_value_preprocessor(exempt_from_flask_wtf_csrf)

#: The provider's blueprints that clients, not browsers, call: this one and the
#: registration endpoints' (RFC 7591 / RFC 7592, JSON with a bearer token or none).
CSRF_EXEMPT_BLUEPRINTS = frozenset({"oauth2_provider", "oauth2_registration"})

#: Sent with the consent and error pages. RFC 9700 §4.16 / RFC 6749 §10.13
#: (clickjacking), RFC 9700 §4.2.4 (no Referer to third parties), RFC 6749 §5.1 spirit
#: (a page carrying a CSRF token is not cached).
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
}


# -- helpers --------------------------------------------------------------------------------


def issuer(state: ProviderState) -> str:
    """The issuer identifier (RFC 8414 §2): the configured one, else the app's root URL."""
    return issuer_of(state.config)


def page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    return response


def error_page(state: ProviderState, error: str, description: Optional[str],
               status: int = 400) -> Response:
    """The error page for what must not be redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2)."""
    html = render_template(state.config.error_template, error=error, description=description,
                           status=status)
    return page(html, status)


def redirect_to(location: str, status: int) -> Response:
    """A redirect to the client; never 307 (RFC 9700 §4.12), never cached."""
    return http.create_response(
        {"Location": location, "Cache-Control": "no-store", "Pragma": "no-cache"}, None, status)


def with_iss(location: str, state: ProviderState) -> str:
    """Add ``iss`` to an authorization response (RFC 9207 §2), where the others are.

    Parameters sit in the fragment for the implicit grant and ``response_mode=fragment``
    (a registered redirect URI has no fragment of its own, RFC 6749 §3.1.2).
    """
    in_fragment = bool(urlsplit(location).fragment)
    return add_params_to_uri(location, [("iss", issuer(state))], fragment=in_fragment)


def error_location(error: errors.OAuth2Error, state: ProviderState) -> str:
    """Where a redirectable authorization error goes, with ``state`` and ``iss``; in the
    fragment for the response types that return tokens (and for ``form_post``, whose
    page is made from the fragment)."""
    in_fragment = error.response_mode in ("fragment", "form_post") or token_bearing(
        error.response_type)
    return add_params_to_uri(error.redirect_uri, error.twotuples + [("iss", issuer(state))],
                             fragment=in_fragment)


def app_error_uri(state: ProviderState) -> Optional[str]:
    """The app's own error view (``OAUTH2_PROVIDER_ERROR_URI``, else the URL of
    ``OAUTH2_PROVIDER_ERROR_ENDPOINT``), or ``None``: the error page is shown."""
    if state.config.error_uri:
        return state.config.error_uri
    if state.config.error_endpoint:
        try:
            return url_for(state.config.error_endpoint)
        except BuildError:
            log.error("OAUTH2_PROVIDER_ERROR_ENDPOINT %r names no view; showing the error "
                      "page instead.", state.config.error_endpoint)
    return None


def refuse_authorization(state: ProviderState, error: errors.OAuth2Error,
                         location: Optional[str], status: int = 400) -> Any:
    """The answer to a refused authorization request: the one place that decides it.

    ``location`` is the client's redirect URI with the error, when the error may go
    back to the client; ``None`` when it must not (RFC 6749 §4.1.2.1: bad client or
    redirect URI; or a server error). Then the browser goes to the app's error view
    with ``error`` and ``error_description`` (never ``state``), if one is configured,
    else the error page is shown with ``status``. An ``exception_handler`` registered
    on the provider answers instead, given the error and that redirect target.
    """
    if location is None:
        error_uri = app_error_uri(state)
        if error_uri is not None:
            params = [(k, v) for k, v in error.twotuples if k in ("error", "error_description")]
            if not error.error:
                params = [("error", "server_error")]
            location = add_params_to_uri(error_uri, params)
    handler = state.provider.exception_handler_func
    if handler is not None:
        return handler(error, location)
    if location is None:
        return error_page(state, error.error or "server_error", error.description or None,
                          status)
    status = 303 if _is_post() else 302
    return authorization_answer(location, status) or redirect_to(location, status)


def json_error(error: str, description: Optional[str], status: int) -> Response:
    payload = {"error": error}
    if description:
        payload["error_description"] = description
    return http.json_response(payload, status)


def current_user_or_none(required: bool = True) -> Any:
    """The logged-in Flask-Login user, or ``None``."""
    if getattr(current_app, "login_manager", None) is None:
        if not required:
            return None
        raise RuntimeError(
            "The consent page needs a logged-in user: set up Flask-Login "
            "(login_manager = LoginManager(app), with a login_view), or register your own "
            "consent view with @oauth.authorize_handler."
        )
    from flask_login import current_user

    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


@blueprint.url_value_preprocessor
def limit_body_size(endpoint: Optional[str], values: Optional[dict]) -> None:
    """``OAUTH2_PROVIDER_MAX_REQUEST_SIZE`` holds before anything parses the body: more
    is 413, also for an app's rate limiter or ``before_request`` hook reading
    ``request.form``. (URL value preprocessors run before every ``before_request``
    function, the app's included; this one only for the provider's routes.)"""
    http.limit_body(current_state().config.max_request_size)


@blueprint.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge) -> Response:
    return json_error("invalid_request", "The request body is too large.", 413)


# -- the authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.2.1) ---------------------------


@blueprint.route("/authorize", methods=["GET", "POST"])
def authorize(*args: Any, **kwargs: Any) -> Any:
    """Validate the request, make sure a user is logged in, ask for consent, answer.

    The OAuth parameters are read from the query string only, on GET and on POST (the
    consent form posts back to the same URL): nothing is taken from hidden fields, so
    a tampered form cannot change client, redirect URI, PKCE challenge or scopes
    (RFC 6749 §10.12). The POST also needs the form's CSRF token.
    """
    state = current_state()
    handler = state.provider.authorize_view
    refusal = _before_authorization(state, handler)
    if refusal is not None:
        return refusal
    as_get = authorization_post_as_get(handler)
    if as_get is not None:
        return redirect_to(as_get, 303)
    # Flask-OAuthlib consent views may post the OAuth parameters back as form fields;
    # the core validates them again either way.
    oauth_args = http.extract_authorization_params(
        form_fallback=handler is not None, max_size=state.config.max_request_size)
    try:
        # RFC 9101 §5: a signed request object's parameters replace the query's.
        oauth_args = unpack_authorization_request(state, oauth_args)
        scopes, info = state.server.validate_authorization_request(*oauth_args)
    except errors.OAuth2Error as e:
        return _refuse_invalid_request(state, handler, e)

    user = current_user_or_none(required=handler is None)
    if handler is not None:
        return _authorize_with_handler(state, handler, oauth_args, scopes, info, user,
                                       *args, **kwargs)
    if user is None:
        return current_app.login_manager.unauthorized()
    again = reauthentication(state, scopes, info)
    if again is not None:
        return again

    core_request = info["request"]
    client = core_request.client
    skipper = state.provider.consent_skipper if consent_may_be_skipped(state, info) else None
    if not _is_post() and skipper is not None and skipper(client, user, scopes, core_request):
        return _grant(state, oauth_args, scopes, user, client, status=302)

    form = ConsentForm.for_request(scopes, user, core_request,
                                   descriptions=state.config.scopes)
    if not _is_post():
        return _consent_page(state, form, client, user, scopes, info)

    if not form.validate():
        # RFC 6749 §10.12: no consent without a valid CSRF token; nothing is issued.
        log.info("consent refused: CSRF token missing, expired or foreign")
        return error_page(
            state, "invalid_request",
            "The consent form expired or did not come from this site. Go back to the "
            "application and start again.")
    granted = form.granted_scopes(scopes)
    if form.allowed and (granted or not scopes):
        return _grant(state, oauth_args, granted, user, client, status=303)
    return _deny(state, info, user, client, scopes)


def _refuse_invalid_request(state: ProviderState, handler: Any,
                            error: errors.OAuth2Error) -> Any:
    """The answer to an authorization request the core (or its request object) refused."""
    if isinstance(error, errors.FatalClientError):
        # RFC 6749 §4.1.2.1: a bad client_id or redirect URI is never sent to the client.
        return refuse_authorization(state, error, None)
    if (error.status_code or 400) >= 500 or not error.redirect_uri:
        status = error.status_code if (error.status_code or 400) >= 500 else 400
        return refuse_authorization(state, error, None, status)
    # RFC 9700 §4.11.2: authenticate the user before redirecting anywhere, except for
    # the answers of prompt=none, which must not show a page (OpenID Connect Core
    # §3.1.2.6) and go to a registered redirect URI.
    if handler is None and error.error not in PROMPT_NONE_ERRORS \
            and current_user_or_none() is None:
        return current_app.login_manager.unauthorized()
    return refuse_authorization(state, error, error_location(error, state))


def _before_authorization(state: ProviderState, handler: Any) -> Optional[Response]:
    """The app's own view for this URL, or a refusal of the transport or size; else None."""
    if handler is not None:
        delegated = app_view_for("authorize", blueprint.name)
        if delegated is not None:
            return delegated
    if not http.transport_is_secure(state.config.insecure_transport):
        return error_page(state, "invalid_request", "This server only accepts HTTPS.")
    if len(flask_request.query_string) > state.config.max_request_size:
        # Nothing in it can be trusted enough to redirect to (RFC 9700 §4.11.2).
        return error_page(state, "invalid_request", "The request is too large.")
    return None


def _consent_page(state: ProviderState, form: ConsentForm, client: Client, user: Any,
                  scopes: list[str], info: dict) -> Response:
    """The bundled consent page (its form posts back to this same URL)."""
    html = render_template(
        state.config.authorize_template,
        form=form,
        client=client,
        client_name=getattr(client, "name", None) or info["client_id"],
        user=user,
        user_name=getattr(user, "username", None) or getattr(user, "name", None),
        scopes=scopes,
        redirect_uri=info["redirect_uri"],
        state=info.get("state"),
        action=http.this_url(),
        claims=consent_claims(state, scopes, info),
    )
    return page(html)


def _is_post() -> bool:
    return flask_request.method == "POST"


def _grant(state: ProviderState, oauth_args: tuple, scopes: list[str], user: Any,
           client: Any, status: int) -> Response:
    """Issue the code (or implicit token) for ``scopes`` and redirect (RFC 6749 §4.1.2)."""
    credentials = {"user": user} if user is not None else {}
    try:
        response_headers, _, _ = state.server.create_authorization_response(
            *oauth_args, scopes=scopes, credentials=credentials)
    except errors.FatalClientError as e:
        return refuse_authorization(state, e, None)
    except errors.OAuth2Error as e:
        # Raised by the storage after validation: answered without its description.
        e.description = ""
        return refuse_authorization(state, e, None, e.status_code or 500)
    location = with_iss(response_headers["Location"], state)
    if "error" not in _response_params(location):
        signals.send_consent(True, client=client, user=user, scopes=scopes)
    return authorization_answer(location, status) or redirect_to(location, status)


def _response_params(location: str) -> dict:
    parts = urlsplit(location)
    return dict(parse_qsl(parts.fragment or parts.query))


def _deny(state: ProviderState, info: dict, user: Any, client: Any,
          scopes: list[str]) -> Any:
    """RFC 6749 §4.1.2.1 ``access_denied``, with ``state`` and ``iss`` (RFC 9207)."""
    try:
        state.server.redeem_pushed_request(info["request"])  # RFC 9126 §4: one answer
    except errors.FatalClientError as e:
        return refuse_authorization(state, e, None)
    error = errors.AccessDeniedError(state=info.get("state"), request=info["request"])
    signals.send_consent(False, client=client, user=user, scopes=scopes)
    return refuse_authorization(state, error, error_location(error, state))


def _authorize_with_handler(state: ProviderState, handler: Any, oauth_args: tuple,
                            scopes: list[str], info: dict, user: Any, *args: Any,
                            **kwargs: Any) -> Any:
    """Flask-OAuthlib's ``authorize_handler`` contract (its consent page, its bool)."""
    if not _is_post():
        kwargs["scopes"] = scopes
        kwargs.update(info)
    answer = handler(*args, **kwargs)
    if not isinstance(answer, bool):
        return answer
    # A bool on GET is Flask-OAuthlib's auto-approve (True) or refusal (False): answered
    # as on POST, by redirect (HEAD never grants: the core refuses it).
    status = 303 if _is_post() else 302
    client = info["request"].client
    if answer:
        return _grant(state, oauth_args, scopes, user, client, status=status)
    return _deny(state, info, user, client, scopes)


# -- the JSON endpoints ------------------------------------------------------------------


def json_endpoint(call: Any) -> Response:
    """Common frame of token, revocation and introspection: transport, size, errors."""
    state = current_state()
    if not http.transport_is_secure(state.config.insecure_transport):
        return json_error("invalid_request", "This server only accepts HTTPS.", 400)
    try:
        uri, method, body, headers = http.extract_params(state.config.max_request_size)
    except http.RequestTooLarge:
        return json_error("invalid_request", "The request body is too large.", 413)
    try:
        response_headers, response_body, status = call(state, uri, method, body, headers)
    except Exception:
        # RFC 6749 §5.2 has no code for this; server_error, and no detail leaks.
        log.exception("Unexpected error at %s", flask_request.path)
        return json_error("server_error", None, 500)
    response_headers = dict(response_headers or {})
    if status in (400, 401):
        response_body = described(response_body, body, headers)
    # RFC 6749 §5.1 / RFC 7009 / RFC 7662: nothing these endpoints say may be cached.
    response_headers.setdefault("Cache-Control", "no-store")
    response_headers.setdefault("Pragma", "no-cache")
    if status == 401 and http.authorization_scheme(headers) == "basic":
        # RFC 6749 §5.2: the challenge names the scheme the client used.
        response_headers["WWW-Authenticate"] = 'Basic realm="oauth", charset="UTF-8"'
    return http.create_response(response_headers, response_body, status)


#: ``error_description`` of an ``invalid_client`` answer (RFC 6749 §5.2), by whether the
#: request carried a secret. Neither says whether the client exists. Printable ASCII
#: without ``"`` and ``\``, as §5.2 requires of the field.
NO_CLIENT_CREDENTIALS = (
    "This request needs client authentication: send the client_id and client_secret "
    "with HTTP Basic, or in the form body (RFC 6749 section 2.3.1).")
CLIENT_AUTHENTICATION_FAILED = (
    "Client authentication failed: the client is unknown, its secret is wrong, or it is a "
    "public client, which has no secret.")
#: Said for every refused client assertion; the reason is logged, not answered (no oracle).
CLIENT_ASSERTION_REFUSED = (
    "Client authentication failed: the client assertion is not valid for this client and "
    "this server (RFC 7523 section 3).")


def described(response_body: Optional[str], body: Optional[str], headers: dict) -> Any:
    """Add an ``error_description`` to an ``invalid_client`` or ``unauthorized_client``
    answer of the core that has none, saying which rule refused the request."""
    try:
        answer = json.loads(response_body or "")
    except ValueError:
        return response_body
    if not isinstance(answer, dict) or answer.get("error_description"):
        return response_body
    form = dict(parse_qsl(body or "", keep_blank_values=True))
    grant_type = form.get("grant_type")
    if answer.get("error") == "invalid_client" and form.get("client_assertion"):
        description = CLIENT_ASSERTION_REFUSED
    elif answer.get("error") == "invalid_client":
        presented = http.authorization_scheme(headers) == "basic" or form.get("client_secret")
        description = CLIENT_AUTHENTICATION_FAILED if presented else NO_CLIENT_CREDENTIALS
    elif answer.get("error") == "unauthorized_client" and grant_type in KNOWN_GRANT_TYPES:
        description = f"This client is not registered for the {grant_type} grant."
    else:
        return response_body
    return json.dumps({"error": answer["error"], "error_description": description,
                       **{k: v for k, v in answer.items() if k != "error"}})


@blueprint.route("/token", methods=["POST"])
def token(*args: Any, **kwargs: Any) -> Response:
    """The token endpoint (RFC 6749 §3.2): POST, form-encoded, JSON answers."""
    if current_state().provider.token_view is not None:
        delegated = app_view_for("token", blueprint.name)
        if delegated is not None:
            return delegated

    def call(state: ProviderState, uri: str, method: str, body: Any, headers: dict) -> tuple:
        # The core sends token_issued (state.build_server connects its signal hook).
        extra = None
        view = state.provider.token_view
        if view is not None:
            extra = view(*args, **kwargs) or None
        answer_headers, answer, status = state.server.create_token_response(
            uri, method, body, headers, extra)
        nonce = dpop.current_nonce(state)
        if nonce is not None:
            # RFC 9449 §8.2: a fresh nonce on every answer, for the client's next proof.
            answer_headers = {**answer_headers, "Access-Control-Expose-Headers": "DPoP-Nonce"}
            answer_headers.setdefault("DPoP-Nonce", nonce)
        return answer_headers, answer, status

    return json_endpoint(call)


def limited_json_endpoint(respond: Any) -> Response:
    """:func:`json_endpoint` for an endpoint whose parameters are held to the token
    endpoint's length limits before the core reads them (device authorization, PAR):
    ``respond(state)`` is the server method that answers."""

    def call(state: ProviderState, uri: str, method: str, body: Any, headers: dict) -> tuple:
        try:
            check_parameters(Request(uri, method, body, headers))
        except errors.OAuth2Error as error:
            return error_response(error)
        return respond(state)(uri, method, body, headers)

    return json_endpoint(call)


@blueprint.route("/revoke", methods=["POST"])
def revoke(*args: Any, **kwargs: Any) -> Response:
    """The revocation endpoint (RFC 7009 §2)."""
    if current_state().provider.revoke_view is not None:
        delegated = app_view_for("revoke", blueprint.name)
        if delegated is not None:
            return delegated

    def call(state: ProviderState, uri: str, method: str, body: Any, headers: dict) -> tuple:
        # The core sends token_revoked (state.build_server connects its signal hook).
        answer = state.server.create_revocation_response(uri, method, body, headers)
        view = state.provider.revoke_view
        if view is not None:
            view(*args, **kwargs)
        return answer

    return json_endpoint(call)


def _presents_no_secret(uri: str, method: str, body: Any, headers: dict) -> bool:
    """Whether the request identifies a client by ``client_id`` alone (method ``none``).

    Malformed credentials are left to the core, which answers them properly.
    """
    try:
        credentials = extract_client_credentials(Request(uri, method, body, headers))
    except errors.OAuth2Error:
        return False
    return credentials.method == "none" and bool(credentials.client_id)


@blueprint.route("/introspect", methods=["POST"])
def introspect() -> Response:
    """The introspection endpoint (RFC 7662 §2)."""

    def call(state: ProviderState, uri: str, method: str, body: Any, headers: dict) -> tuple:
        if _presents_no_secret(uri, method, body, headers):
            # RFC 7662 §2.1, §4: the caller must authenticate, which a public client
            # (client_id alone) cannot; otherwise anyone could probe tokens.
            error = errors.InvalidClientError(
                description="Introspection needs client authentication.")
            return ({"Content-Type": "application/json", **error.headers}, error.json,
                    error.status_code)
        answer_headers, answer, status = state.server.create_introspect_response(
            uri, method, body, headers)
        return answer_headers, _with_issuer(answer, status, state), status

    return json_endpoint(call)


def _with_issuer(answer: str, status: int, state: ProviderState) -> str:
    """An active introspection answer names its issuer (RFC 7662 §2.2 ``iss``), also when
    the store does not know it (no ``OAUTH2_PROVIDER_ISSUER``: the app's root URL)."""
    if status != 200:
        return answer
    claims = json.loads(answer)
    if not claims.get("active") or "iss" in claims:
        return answer
    claims["iss"] = issuer(state)
    return json.dumps(claims)
