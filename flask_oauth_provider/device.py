"""The device authorization grant's two routes (RFC 8628), answering while the grant is on.

``POST {prefix}/device_authorization`` hands a device its codes (RFC 8628 §3.1, §3.2; the
rules are the core's). ``GET|POST {prefix}/device`` is the ``verification_uri`` (§3.3): a
logged-in user types the user code, or arrives with it in ``verification_uri_complete``,
sees which client asks for which scopes, with a warning to check that they started this
themselves on their own device, and allows or denies. Both forms carry a CSRF token, as
the consent page does; a ``GET`` never decides anything. The template is
``OAUTH2_PROVIDER_DEVICE_TEMPLATE``.

Guessing (RFC 8628 §5.1): every wrong or expired code counts against the browser
session, the IP address and the whole server, each over one device code lifetime. The
server-wide limit is :func:`~flask_oauth_provider.core.user_codes.guess_budget`, which
keeps the chance of hitting one given live code under 2^-20; the per-session and per-IP
limits (``OAUTH2_PROVIDER_DEVICE_MAX_ATTEMPTS_PER_SESSION`` / ``..._PER_IP``) stop one
browser or address long before. A wrong entry is logged with the address, never the code.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Iterable, Optional, Protocol

from flask import Response, current_app, render_template, session
from flask import request as flask_request
from werkzeug.exceptions import NotFound

from . import http, signals
from .core.user_codes import guess_budget
from .forms import DeviceCodeForm, DeviceConsentForm
from .state import ProviderState, current_state
from .views import blueprint, current_user_or_none, error_page, limited_json_endpoint, page

log = logging.getLogger("flask_oauth_provider.device")

class DeviceVerificationStore(Protocol):
    """What the verification page asks of the storage: the bundled
    :class:`~flask_oauth_provider.sqla.SQLAlchemyStore` has it (see
    :mod:`flask_oauth_provider.sqla.device`); a validator of the app's own may too."""

    def now(self) -> datetime.datetime:
        """The current time, naive UTC."""

    def load_client(self, client_id: Optional[str]) -> Any:
        """The client with this ``client_id``, or None."""

    def find_device_authorization(self, user_code: Optional[str]) -> Any:
        """The live, pending authorization of a typed user code (with ``client_id`` and
        ``scopes``), or None."""

    def decide_device_authorization(self, user_code: str, user: Any, allow: bool,
                                    scopes: Optional[Iterable[str]] = None) -> bool:
        """Record Allow (with the granted scopes) or Deny once; False if not pending."""

    def count_user_code_failures(self, since: datetime.datetime,
                                 source: Optional[str] = None) -> int:
        """Wrong user codes since ``since``, from ``source`` or on the whole server."""

    def record_user_code_failure(self, source: Optional[str]) -> None:
        """Count one wrong user code from ``source`` (an IP address)."""


#: Flask session key: the times (POSIX seconds) of this browser's wrong entries.
SESSION_FAILURES = "oauth2_device_failures"

_EXPIRED_FORM = ("The form expired or did not come from this site. Enter the code "
                 "again.")


def device_authorization() -> Response:
    """The device authorization endpoint (RFC 8628 §3.1): POST, form-encoded, JSON."""
    _require_grant_on()

    return limited_json_endpoint(
        lambda state: state.server.create_device_authorization_response)


def verification_page() -> Any:
    """The verification URI (RFC 8628 §3.3): enter the code, then allow or deny."""
    state = _require_grant_on()
    if not http.transport_is_secure(state.config.insecure_transport):
        return error_page(state, "invalid_request", "This server only accepts HTTPS.")
    user = current_user_or_none()
    if user is None:
        return current_app.login_manager.unauthorized()
    store = _device_store(state)
    if flask_request.method == "GET":
        typed = flask_request.args.get("user_code")
        if not typed:
            return _entry_page(state, DeviceCodeForm.for_request())
        return _consent_for(state, store, typed, user)
    if "allow" in flask_request.form or "deny" in flask_request.form:
        return _decide(state, store, user)
    form = DeviceCodeForm.for_request()
    if not form.validate():
        error = _EXPIRED_FORM if form.csrf_token.errors else "Enter the code your device shows."
        return _entry_page(state, form, error=error, status=400)
    return _consent_for(state, store, form.user_code.data, user)


def _consent_for(state: ProviderState, store: DeviceVerificationStore, typed: str,
                 user: Any) -> Response:
    """The consent page for the authorization of ``typed``, or the entry page again."""
    row, refusal = lookup(state, store, typed)
    if row is None:
        return _entry_page(state, DeviceCodeForm.for_request(), *refusal)
    client = store.load_client(row.client_id)
    form = DeviceConsentForm.to_show(row.scopes, typed, user)
    html = render_template(
        state.config.device_template, step="consent", form=form, client=client,
        client_name=_client_name(client, row), scopes=row.scopes, user=user,
        user_name=getattr(user, "username", None) or getattr(user, "name", None),
        action=flask_request.script_root + flask_request.path)
    return page(html)


def _decide(state: ProviderState, store: DeviceVerificationStore, user: Any) -> Response:
    """Record Allow or Deny for the code in the form (RFC 8628 §3.3), once."""
    form = DeviceConsentForm.for_answer(user)
    if not form.validate():
        log.info("device verification refused: CSRF token missing, expired or foreign")
        return error_page(state, "invalid_request", _EXPIRED_FORM)
    row, refusal = lookup(state, store, form.user_code.data)
    if row is None:
        return _entry_page(state, DeviceCodeForm.for_request(), *refusal)
    client = store.load_client(row.client_id)
    granted = form.granted_scopes(row.scopes)
    allow = form.allowed and (bool(granted) or not row.scopes)
    if not store.decide_device_authorization(form.user_code.data, user, allow, granted):
        return _entry_page(state, DeviceCodeForm.for_request(),
                           "This code has expired or was already used.", 400)
    signals.send_device_authorization(allow, client=client, user=user,
                                      scopes=granted if allow else row.scopes)
    html = render_template(state.config.device_template, step="done", allowed=allow,
                           client_name=_client_name(client, row))
    return page(html)


def lookup(state: ProviderState, store: DeviceVerificationStore, typed: Optional[str]
           ) -> tuple:
    """``(authorization, None)`` for a live, pending user code, else ``(None, (message,
    status))``. The limits come first (RFC 8628 §5.1); a miss counts against the
    session, the address and the server."""
    config = state.config
    since = store.now() - datetime.timedelta(seconds=config.device_code_expires_in)
    source = flask_request.remote_addr or ""
    if (_session_failures(since) >= config.device_max_attempts_per_session
            or store.count_user_code_failures(since, source)
            >= config.device_max_attempts_per_ip
            or store.count_user_code_failures(since) >= guess_budget()):
        log.warning("device verification: too many wrong user codes (from %s); refused",
                    source)
        return None, ("Too many wrong codes. Wait a few minutes and try again.", 429)
    row = store.find_device_authorization(typed)
    if row is not None:
        return row, None
    _count_session_failure(store.now())
    store.record_user_code_failure(source)
    log.info("device verification: unknown or expired user code entered (from %s)", source)
    return None, ("This code is not valid. Check the code on your device and try again.",
                  400)


def _entry_page(state: ProviderState, form: DeviceCodeForm, error: Optional[str] = None,
                status: int = 200) -> Response:
    html = render_template(state.config.device_template, step="enter", form=form,
                           error=error, action=flask_request.script_root + flask_request.path)
    return page(html, status)


def _client_name(client: Any, row: Any) -> str:
    return getattr(client, "name", None) or row.client_id


def _session_failures(since: datetime.datetime) -> int:
    cutoff = _epoch(since)
    return sum(1 for at in session.get(SESSION_FAILURES, []) if at > cutoff)


def _count_session_failure(now: datetime.datetime) -> None:
    # Only the recent ones matter; the list stays short in the session cookie.
    failures = list(session.get(SESSION_FAILURES, []))[-50:]
    failures.append(_epoch(now))
    session[SESSION_FAILURES] = failures


def _epoch(value: datetime.datetime) -> float:
    return value.replace(tzinfo=datetime.timezone.utc).timestamp()


def _require_grant_on() -> ProviderState:
    """The app's state; 404 while the device authorization grant is off (RFC 8628 §4:
    nothing of it is advertised then, and nothing of it answers)."""
    state = current_state()
    if not state.config.device_grant_enabled:
        raise NotFound()
    return state


def _device_store(state: ProviderState) -> DeviceVerificationStore:
    store = state.validator
    needed = [name for name in ("now", "load_client", "find_device_authorization",
                                "decide_device_authorization", "count_user_code_failures",
                                "record_user_code_failure") if not hasattr(store, name)]
    if needed:
        raise RuntimeError(
            "The device verification page needs the bundled store with its device models "
            "(oauth.init_sqlalchemy(..., device_code_model=..., device_attempt_model=...)), "
            f"or a validator with {', '.join(needed)} (DeviceVerificationStore).")
    return store


# The blueprint's routes (under OAUTH2_PROVIDER_URL_PREFIX); they answer 404 while the grant
# is off. On the blueprint, Flask-WTF's app-wide CSRFProtect leaves them alone, as it does
# the token endpoint: the verification page's forms carry their own CSRF token.
blueprint.add_url_rule("/device_authorization", "device_authorization",
                       device_authorization, methods=["POST"])
blueprint.add_url_rule("/device", "device", verification_page, methods=["GET", "POST"])
