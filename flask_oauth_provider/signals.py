"""Signals (blinker, as Flask's own) sent by the provider.

Every signal is sent with the Flask app as sender, and only inside an app context.
Connect as with Flask's signals::

    from flask_oauth_provider.signals import token_issued

    @token_issued.connect_via(app)
    def audit(sender, client, user, scopes, **extra):
        ...

Receivers never get a token, code or secret value: only the objects around them.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import current_app, has_app_context

from .core import errors
from .core import signals as core_signals
from .core.client_auth import extract_client_credentials
from .core.request import Request

_signals = Namespace()

#: A token response was sent (RFC 6749 §5.1). Keyword args: ``client``, ``user``,
#: ``scopes`` (list), ``grant_type``.
token_issued = _signals.signal("oauth2-token-issued")
#: A token was revoked through the revocation endpoint (RFC 7009 §2). Keyword args:
#: ``client``, ``token_type_hint``.
token_revoked = _signals.signal("oauth2-token-revoked")
#: A client authenticated (RFC 6749 §2.3). Keyword args: ``client``, ``method``
#: (``client_secret_basic``, ``client_secret_post`` or ``none``).
client_authenticated = _signals.signal("oauth2-client-authenticated")
#: The user allowed an authorization request. Keyword args: ``client``, ``user``,
#: ``scopes`` (the granted list).
consent_granted = _signals.signal("oauth2-consent-granted")
#: The user denied an authorization request. Keyword args: ``client``, ``user``,
#: ``scopes`` (the requested list).
consent_denied = _signals.signal("oauth2-consent-denied")
#: The user allowed a device on the verification page (RFC 8628 §3.3). Keyword args:
#: ``client``, ``user``, ``scopes`` (the granted list).
device_authorization_granted = _signals.signal("oauth2-device-authorization-granted")
#: The user denied a device on the verification page. Keyword args: ``client``,
#: ``user``, ``scopes`` (the requested list).
device_authorization_denied = _signals.signal("oauth2-device-authorization-denied")


def _send(signal: Any, **kwargs: Any) -> None:
    if has_app_context():
        signal.send(current_app._get_current_object(), **kwargs)


def send_client_authenticated(client: Any, method: str) -> None:
    """Send :data:`client_authenticated`."""
    _send(client_authenticated, client=client, method=method)


def send_token_issued(client: Any, user: Any, scopes: Any, grant_type: Any) -> None:
    """Send :data:`token_issued`."""
    _send(token_issued, client=client, user=user, scopes=list(scopes or []),
          grant_type=grant_type)


def send_token_revoked(client: Any, token_type_hint: Any) -> None:
    """Send :data:`token_revoked`."""
    _send(token_revoked, client=client, token_type_hint=token_type_hint)


def send_consent(granted: bool, client: Any, user: Any, scopes: Any) -> None:
    """Send :data:`consent_granted` or :data:`consent_denied`."""
    _send(consent_granted if granted else consent_denied, client=client, user=user,
          scopes=list(scopes or []))


def send_device_authorization(granted: bool, client: Any, user: Any, scopes: Any) -> None:
    """Send :data:`device_authorization_granted` or :data:`device_authorization_denied`."""
    _send(device_authorization_granted if granted else device_authorization_denied,
          client=client, user=user, scopes=list(scopes or []))


def _authentication_method(request: Request) -> str:
    """The RFC 8414 name of the way the client of ``request`` authenticated."""
    try:
        return extract_client_credentials(request).method
    except errors.OAuth2Error:
        return "none"  # not reached after a successful authentication; kept total


def send_core_signal(name: str, request: Request) -> None:
    """The core's signal hook (``core.signals``) mapped to the blinker signals above.

    ``state.build_server`` gives it to the app's server. A signal nobody listens to costs
    one lookup.
    """
    if name == core_signals.TOKEN_ISSUED:
        if token_issued.receivers:
            send_token_issued(client=request.client, user=request.user,
                              scopes=request.scopes, grant_type=request.grant_type)
    elif name == core_signals.TOKEN_REVOKED:
        if token_revoked.receivers:
            send_token_revoked(client=request.client, token_type_hint=request.token_type_hint)
    elif name == core_signals.CLIENT_AUTHENTICATED:
        if client_authenticated.receivers:
            send_client_authenticated(client=request.client,
                                      method=_authentication_method(request))
