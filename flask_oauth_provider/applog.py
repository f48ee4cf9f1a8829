"""Errors in the app's own code, shown where its developer looks: the app's log.

The package logs under ``flask_oauth_provider`` and adds no handler of its own, as a
library should. So an exception raised by an app's callback or validator, which the
client sees as ``500 server_error`` (RFC 6749 §5.2), was logged with its traceback where
nobody saw it unless the app had configured logging. :class:`AppLogHandler` hands the
package's error records to the handlers of the current app's ``app.logger``: Flask's
``default_handler`` prints them in the ``flask run`` console. Only to those handlers,
without propagating, so an app that configured logging at its root does not see them
twice. :func:`callback_failure` words the line that names the failing callback.
"""

from __future__ import annotations

import logging
from typing import Callable

from flask import current_app, has_app_context

from .core.log import redact

#: The logger every module of the package logs under (as a child).
PACKAGE_LOGGER = "flask_oauth_provider"


class AppLogHandler(logging.Handler):
    """Pass records on to the current app's ``app.logger`` handlers (outside an app: drop)."""

    def emit(self, record: logging.LogRecord) -> None:
        if not has_app_context():
            return
        app_logger = current_app.logger
        if record.levelno < app_logger.getEffectiveLevel():
            return
        for handler in app_logger.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def show_errors_in_app_log() -> None:
    """Install :class:`AppLogHandler` (for ``ERROR`` and above) once on the package logger."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    if not any(isinstance(handler, AppLogHandler) for handler in logger.handlers):
        logger.addHandler(AppLogHandler(logging.ERROR))


def callback_failure(name: str, function: Callable, exc: BaseException) -> str:
    """The log line for an exception raised by the app's ``@oauth.<name>`` callback.

    It names the callback and the exception and gives a hint for the mistakes a port
    from Flask-OAuthlib makes. The exception's text is redacted (credential parameters
    and Authorization values); the callback's arguments are never shown.
    """
    function_name = getattr(function, "__qualname__", None) or repr(function)
    return (
        f"The @oauth.{name} function {function_name} raised {type(exc).__name__}: "
        f"{redact(str(exc))}. The request is answered with 500 server_error; the traceback "
        f"follows in the next record. Hint: {_hint(name, exc)}"
    )


def _hint(name: str, exc: BaseException) -> str:
    text = str(exc)
    if name == "tokensetter" and isinstance(exc, KeyError) and "refresh_token" in text:
        return ("a token of the client credentials grant has no refresh token "
                "(RFC 6749 §4.4.3): read it with token.get('refresh_token').")
    if name in ("tokensetter", "grantsetter") and isinstance(exc, AttributeError) \
            and "NoneType" in text:
        return ("request.user is None for a client credentials token, which acts for the "
                "client alone: store no user for it.")
    if name == "grantsetter" and "code_challenge" in text:
        return ("store code['code_challenge'] and code['code_challenge_method'] on the "
                "grant (PKCE, RFC 7636 §4.4); the grant model needs both columns.")
    return ("docs/storage.rst says what each callback receives and must return; "
            "docs/migrating.rst shows the usual changes from Flask-OAuthlib.")
