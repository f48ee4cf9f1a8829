"""The Flask side of OpenID Connect that needs no storage: login time and configured keys.

* ``auth_time`` (OpenID Connect Core §2) is the time the user really logged in. Flask-Login
  sends ``user_logged_in`` on every ``login_user``; :func:`record_login_time` keeps that
  moment in the session, so the provider never reports "now" as the login time.
* ``OAUTH2_PROVIDER_SIGNING_KEYS``: a private JWK set (a dict, its JSON text, or the
  path of a file holding it), for apps without the bundled key store; every process
  reads the same set, so every process signs with the same key.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Optional

from flask import current_app, has_request_context, session

from .core import jose
from .core.keyring import KeyRing
from .key_encryption import kek_from_config

log = logging.getLogger("flask_oauth_provider.oidc")

#: Session key holding the time of the last login (seconds since the epoch).
AUTH_TIME_SESSION_KEY = "_oauth2_auth_time"


def record_login_time(sender: Any, user: Any = None, **extra: Any) -> None:
    """``user_logged_in`` receiver: remember when this session's user logged in."""
    if has_request_context():
        session[AUTH_TIME_SESSION_KEY] = int(time.time())


def connect_login_signal(app: Any) -> bool:
    """Record login times for ``app``; False when Flask-Login is not installed."""
    try:
        from flask_login import user_logged_in
    except ImportError:  # pragma: no cover - Flask-Login is a dependency
        return False
    user_logged_in.connect(record_login_time, app)
    return True


def session_auth_time() -> Optional[int]:
    """The login time of the current session's user, if it was recorded."""
    if not has_request_context():
        return None
    value = session.get(AUTH_TIME_SESSION_KEY)
    return int(value) if isinstance(value, (int, float)) else None


def key_encryption_key() -> bytes:
    """The KEK of the bundled key store for the current app:
    ``OAUTH2_PROVIDER_KEY_ENCRYPTION_KEY``, else HKDF of ``SECRET_KEY``."""
    return kek_from_config(current_app.config.get("OAUTH2_PROVIDER_KEY_ENCRYPTION_KEY"),
                           current_app.secret_key)


def load_signing_keys(value: Any) -> KeyRing:
    """The key ring of ``OAUTH2_PROVIDER_SIGNING_KEYS``: a private JWK set as a dict,
    as JSON text, or as the path of a JSON file. ``ValueError`` says what is wrong."""
    if isinstance(value, (str, os.PathLike)) and not str(value).lstrip().startswith("{"):
        try:
            with open(value, encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError(f"OAUTH2_PROVIDER_SIGNING_KEYS: cannot read a JWK set from "
                             f"{str(value)!r}: {exc}") from None
    try:
        ring = KeyRing.from_jwks(value)
    except jose.JoseError as exc:
        raise ValueError(f"OAUTH2_PROVIDER_SIGNING_KEYS: {exc}") from None
    if not ring.algorithms:
        raise ValueError("OAUTH2_PROVIDER_SIGNING_KEYS holds no key.")
    return ring


# -- the OpenID half of the bundled validators ------------------------------------------

#: What an authorization request hands on to the ID token, kept with codes and tokens.
OPENID_REQUEST_FIELDS = ("nonce", "claims", "auth_time", "acr", "amr")


def openid_request_data(request: Any) -> Optional[str]:
    """The OpenID data of a request to store with its code or token (JSON), or None."""
    data = {}
    for name in OPENID_REQUEST_FIELDS:
        try:
            value = getattr(request, name)
        except AttributeError:
            value = None
        if value is not None:
            data[name] = value
    if not data:
        return None
    return json.dumps(data, separators=(",", ":"))


def restore_openid_request_data(stored: Optional[str], request: Any) -> dict:
    """Put stored OpenID data back on a token-endpoint or resource request; return it."""
    try:
        data = json.loads(stored) if stored else {}
    except ValueError:
        log.error("Stored OpenID request data is not JSON; ignoring it.")
        data = {}
    for name in ("claims", "auth_time", "acr", "amr"):
        if name in data:
            setattr(request, name, data[name])
    return data
