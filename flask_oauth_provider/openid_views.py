"""The OpenID Connect answers of the blueprint and the OpenID steps of its authorization
view (:mod:`~flask_oauth_provider.views` routes to them).

``{prefix}/userinfo`` (OpenID Connect Core §5.3) and ``{prefix}/jwks`` (the JWK set of
``jwks_uri``, RFC 7517 §5) are answered only when ``OAUTH2_PROVIDER_OPENID`` is on (404
otherwise). The discovery document is the metadata view's (:func:`openid_metadata` adds
the OpenID fields).

For the authorization view: :func:`reauthentication` (prompt=login / select_account /
max_age send the user through the login page again, once per request) and
:func:`authorization_answer` (``form_post`` pages, OAuth 2.0 Form Post Response Mode §2).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from types import SimpleNamespace
from typing import Any, Optional
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, session
from flask import request as flask_request

from . import dpop, http
from .core import jose
from .core.openid.claims import STANDARD_CLAIMS, claims_for_scopes, requested_claims
from .core.openid.discovery import OPENID_SCOPES, openid_defaults
from .core.openid.response_modes import location_to_form_post
from .core.openid.rules import authentication_required
from .core.resource_metadata import bearer_challenge
from .core.utils import add_params_to_uri, scope_to_list
from .forms import ConsentForm
from .oidc import AUTH_TIME_SESSION_KEY, session_auth_time
from .oidc_validator import provider_issuer
from .state import ProviderState, current_state

log = logging.getLogger("flask_oauth_provider.views")

#: JWKS responses may be cached this long (seconds); a rotated-in key is published at
#: once and starts signing at once, so a client that cached the old set refetches it on
#: an unknown kid (OpenID Connect Core §10.1.1).
JWKS_MAX_AGE = 300
#: Session key of a pending re-authentication: the request's fingerprint and since when.
REAUTH_SESSION_KEY = "_oauth2_reauth"
#: CORS for the bearer-token endpoints: no cookies are used, any origin may call them.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Allow-Methods": "GET, POST"}


def openid_state() -> ProviderState:
    """The provider state, or 404 when OpenID Connect is off."""
    state = current_state()
    if not state.config.openid:
        abort(404)
    return state


def _json_error(error: str, description: str, status: int) -> Response:
    return http.json_response({"error": error, "error_description": description}, status)


def userinfo_response() -> Response:
    """The UserInfo endpoint (OpenID Connect Core §5.3): GET or POST, the access token in
    the ``Authorization`` header or (POST) the form body; JSON or a signed JWT."""
    state = openid_state()
    if flask_request.method == "OPTIONS":
        return http.create_response(dict(CORS_HEADERS), None, 204)
    if not http.transport_is_secure(state.config.insecure_transport):
        return _json_error("invalid_request", "This server only accepts HTTPS.", 400)
    try:
        uri, method, body, headers = http.extract_params(state.config.max_request_size)
    except http.RequestTooLarge:
        return _json_error("invalid_request", "The request body is too large.", 413)
    scheme = http.authorization_scheme(headers)
    if scheme == "dpop":
        headers = dpop.as_bearer(headers)  # RFC 9449 §7.1: the proof is checked too
    response_headers, response_body, status = state.server.create_userinfo_response(
        uri, method, body, headers)
    response_headers = dict(response_headers or {}, **CORS_HEADERS)
    challenge = dpop.challenge_options(state.config, scheme)
    if status == 401 and challenge:
        answer = json.loads(response_body)
        response_headers["WWW-Authenticate"] = bearer_challenge(
            answer.get("error"), answer.get("error_description"), **challenge)
    response_headers["Access-Control-Expose-Headers"] = "WWW-Authenticate"
    return http.create_response(response_headers, response_body, status)


def jwks_response() -> Response:
    """The provider's public keys (RFC 7517 §5): distinct kids, ``use`` and ``alg`` set,
    cacheable for :data:`JWKS_MAX_AGE` seconds. Served when OpenID Connect is on, or
    when access tokens are JWTs (RFC 9068) by default; 404 otherwise."""
    state = current_state()
    if not state.config.publishes_jwks:
        abort(404)
    headers = {"Cache-Control": f"public, max-age={JWKS_MAX_AGE}",
               "Access-Control-Allow-Origin": "*"}
    return http.json_response(state.keyring().jwks(), 200, headers)


def openid_metadata(state: ProviderState, claims: dict[str, Any]) -> dict[str, Any]:
    """The OpenID Provider fields (OpenID Connect Discovery §3) added to RFC 8414's."""
    try:
        algs = state.keyring().algorithms
    except RuntimeError:
        log.error("OpenID Connect is on but no signing key is configured.")
        algs = []
    fields = openid_defaults(signing_algs=algs)
    fields["scopes_supported"] = _scopes_supported(state)
    fields["claims_supported"] = list(STANDARD_CLAIMS)
    # Where the routes really are (under a mount point too), as for RFC 8414's fields.
    issuer = state.config.issuer
    fields["userinfo_endpoint"] = http.endpoint_url(issuer, "oauth2_provider_userinfo")
    fields["jwks_uri"] = http.endpoint_url(issuer, "oauth2_provider_jwks")
    fields["end_session_endpoint"] = http.endpoint_url(issuer, "oauth2_provider_end_session")
    modes = claims.get("response_modes_supported")
    fields.update(claims)
    if modes is None:
        fields.pop("response_modes_supported")
    else:
        fields["response_modes_supported"] = [*modes, "form_post"]
    return fields


def _scopes_supported(state: ProviderState) -> list[str]:
    configured = list(state.config.scopes or ())
    scopes = configured or list(OPENID_SCOPES)
    return scopes if "openid" in scopes else ["openid", *scopes]


# -- the authorization view's OpenID steps ----------------------------------------------


def reauthentication(state: ProviderState, scopes: list[str], info: dict) -> Optional[Response]:
    """Send the user to log in again when prompt or max_age ask for it (§3.1.2.1).

    ``prompt=login`` / ``select_account`` and a ``max_age`` older than the last login
    log the user out and go to the login view; once a login newer than the request
    happened, the same request goes on (to the consent page) without asking again.
    """
    if not state.config.openid or "openid" not in (scopes or []):
        return None
    prompt, max_age = info.get("prompt") or set(), info.get("max_age")
    auth_time, now = session_auth_time(), int(time.time())
    fingerprint = hashlib.sha256(flask_request.query_string).hexdigest()
    pending = session.get(REAUTH_SESSION_KEY)
    if (isinstance(pending, dict) and pending.get("request") == fingerprint
            and auth_time is not None and auth_time >= pending.get("since", now + 1)):
        return None
    if not authentication_required(prompt, max_age, auth_time, now):
        return None
    session[REAUTH_SESSION_KEY] = {"request": fingerprint, "since": now}
    from flask_login import logout_user

    logout_user()
    return current_app.login_manager.unauthorized()


def authorization_post_as_get(handler: Any) -> Optional[str]:
    """OpenID Connect Core §3.1.2.1: an authorization request may come as a form POST.
    It becomes the same request by GET (the URL returned here, for a 303), so that the
    consent form, which posts back to the URL, finds the parameters in the query like
    for any other request. ``None`` when this POST is not such a request."""
    if handler is not None or flask_request.method != "POST" \
            or "client_id" not in flask_request.form or "client_id" in flask_request.args:
        return None
    return flask_request.base_url + "?" + urlencode(list(flask_request.form.items(multi=True)))


def consent_claims(state: ProviderState, scopes: list[str], info: dict) -> list[str]:
    """The claims about the user the client will receive, for the consent page: those of
    the scopes (Core §5.4) and those named in the ``claims`` parameter (§5.5)."""
    if not state.config.openid or "openid" not in (scopes or []):
        return []
    names = claims_for_scopes(scopes)
    for target in ("userinfo", "id_token"):
        names |= set(requested_claims(info.get("claims"), target))
    names.discard("sub")
    return sorted(names)


def consent_may_be_skipped(state: ProviderState, info: dict) -> bool:
    """§3.1.2.1 prompt=consent: "The Authorization Server SHOULD prompt the End-User for
    consent", so the app's skip_consent is not asked."""
    return not (state.config.openid and "consent" in (info.get("prompt") or ()))


def authorization_answer(location: str, status: int) -> Optional[Response]:
    """The ``form_post`` page for an authorization response (Form Post Response Mode
    §2), or ``None`` when the request asked for a redirect."""
    if flask_request.args.get("response_mode") != "form_post" or "#" not in location:
        return None
    headers, body, page_status = location_to_form_post(location)
    return http.create_response(headers, body, page_status)


# -- RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) ----------------------------


def end_session_response(page: Any) -> Response:
    """The ``end_session_endpoint`` (RP-Initiated Logout §2, §3).

    ``id_token_hint`` must be an ID token of this provider (expired ones are fine);
    ``post_logout_redirect_uri`` must be registered by the client (exactly), the client
    being the hint's audience or ``client_id``; otherwise an error page and no redirect.
    Without a valid hint the user confirms on a page (CSRF-protected) before being logged
    out. ``state`` goes back with the redirect.
    """
    state = openid_state()
    params = flask_request.values
    validator = state.validator
    hint = _verified_hint(state, params.get("id_token_hint"))
    if hint is False:
        return page(state, "invalid_request", "id_token_hint is not an ID token of this "
                    "provider.", 400)
    client_id = params.get("client_id") or (hint or {}).get("aud")
    if isinstance(client_id, list):
        client_id = client_id[0] if client_id else None
    if hint and params.get("client_id") and params["client_id"] not in _audiences(hint):
        return page(state, "invalid_request", "client_id does not match id_token_hint.", 400)
    target = params.get("post_logout_redirect_uri")
    load_client = getattr(validator, "load_client", None)  # the bundled validators'
    client = load_client(client_id) if client_id and load_client is not None else None
    if target and not _registered_logout_uri(client, target):
        return page(state, "invalid_request",
                    "post_logout_redirect_uri is not registered for this client.", 400)
    # The confirmation's CSRF token is bound to this user and this logout request, once.
    form = ConsentForm.for_request([], _current_user(), SimpleNamespace(
        client_id=client_id, redirect_uri=target, state=params.get("state")))
    confirmed = flask_request.method == "POST" and form.validate() and form.allowed
    if not hint and not confirmed:
        if flask_request.method == "POST":
            return page(state, "access_denied", "You are still logged in.", 400)
        html = render_template("oauth/logout.html", form=form, done=False,
                               client_name=getattr(client, "name", None),
                               action=http.this_url())
        return http.create_response({"Content-Type": "text/html; charset=utf-8",
                                     "Cache-Control": "no-store",
                                     "X-Frame-Options": "DENY"}, html, 200)
    _log_out()
    if target:
        extra = [("state", params["state"])] if params.get("state") else []
        return http.create_response({"Location": add_params_to_uri(target, extra),
                                     "Cache-Control": "no-store"}, None, 302)
    html = render_template("oauth/logout.html", form=form, done=True)
    return http.create_response({"Content-Type": "text/html; charset=utf-8"}, html, 200)


def _verified_hint(state: ProviderState, hint: Optional[str]) -> Any:
    """The hint's claims, ``None`` without a hint, ``False`` when it does not verify."""
    if not hint:
        return None
    try:
        _, claims = jose.verify(hint, state.keyring().verification_keys())
    except jose.JoseError:
        return False
    return claims if claims.get("iss") == provider_issuer() else False


def _audiences(claims: dict) -> list:
    aud = claims.get("aud")
    return aud if isinstance(aud, list) else [aud]


def _registered_logout_uri(client: Any, uri: str) -> bool:
    """RP-Initiated Logout §3: the URI "MUST have been previously registered"; compared
    exactly (like redirect URIs, RFC 9700 §2.1)."""
    registered = scope_to_list(getattr(client, "post_logout_redirect_uris", None)) or []
    return uri in registered


def _current_user() -> Any:
    from flask_login import current_user

    return current_user._get_current_object() if current_user.is_authenticated else None


def _log_out() -> None:
    from flask_login import logout_user

    logout_user()
    session.pop(AUTH_TIME_SESSION_KEY, None)
    session.pop(REAUTH_SESSION_KEY, None)
