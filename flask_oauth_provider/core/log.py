"""Logging helpers for the core: a debug switch and secret redaction.

Every module of the core logs through a child of the ``flask_oauth_provider``
logger (``flask_oauth_provider.core`` here).  Request contents are only ever
shown when debug mode is on (:func:`set_debug`, the counterpart of
``oauthlib.set_debug``), and even then the values of credential parameters and
the ``Authorization`` header are replaced by :data:`REDACTED`.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable, Mapping

__all__ = [
    "REDACTED",
    "SENSITIVE_PARAMS",
    "get_debug",
    "logger",
    "redact",
    "redact_headers",
    "redact_params",
    "set_debug",
]

logger = logging.getLogger("flask_oauth_provider.core")
logger.addHandler(logging.NullHandler())

REDACTED = "<REDACTED>"

#: Parameter names whose values are secrets (RFC 6749, RFC 7009, RFC 7636, RFC 7662).
SENSITIVE_PARAMS = frozenset(
    {
        "access_token",
        "client_secret",
        "code",
        "code_verifier",
        "password",
        "refresh_token",
        "token",
        "id_token_hint",
        "assertion",
        "client_assertion",
        "device_code",
    }
)

#: Header names whose values carry credentials.
#: ``DPoP`` (RFC 9449): a proof is kept out of logs too.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                               "dpop"})

_debug = False

# name=value pairs in urlencoded text (query strings, form bodies, Location headers)
# and "name": "value" pairs in JSON text.
_FORM_PAIR = re.compile(
    r"(?P<prefix>(?:^|(?<=[^A-Za-z0-9_]))(?P<name>[A-Za-z_]+)=)(?P<value>[^&#;?\s\"',)]*)"
)
_JSON_PAIR = re.compile(r'(?P<prefix>"(?P<name>[A-Za-z_]+)"\s*:\s*)(?P<value>"(?:[^"\\]|\\.)*")')
_AUTH_HEADER = re.compile(r"(?i)(?P<prefix>\b(?:basic|bearer)\s+)(?P<value>[^\s,]+)")


def set_debug(flag: bool) -> None:
    """Turn debug mode on or off.

    In debug mode :class:`~flask_oauth_provider.core.request.Request` shows its
    (redacted) URI, headers and body in ``repr()`` and so in log messages; out of
    debug mode it shows only ``<Request SANITIZED>``.  Mirrors ``oauthlib.set_debug``.
    """
    global _debug
    _debug = bool(flag)


def get_debug() -> bool:
    """Return whether debug mode is on (see :func:`set_debug`)."""
    return _debug


def _redact_match(match: re.Match[str]) -> str:
    if match.group("name").lower() in SENSITIVE_PARAMS:
        value = match.group("value")
        replacement = f'"{REDACTED}"' if value.startswith('"') else REDACTED
        return match.group("prefix") + replacement
    return match.group(0)


def redact(text: Any) -> Any:
    """Return ``text`` with the values of secret parameters replaced by :data:`REDACTED`.

    Understands urlencoded text (``code=abc&state=x``, full URIs) and flat JSON
    (``{"access_token": "abc"}``); ``Basic``/``Bearer`` credentials anywhere in the
    text are redacted as well.  ``None`` and non-text values pass through.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return text
    text = _FORM_PAIR.sub(_redact_match, text)
    text = _JSON_PAIR.sub(_redact_match, text)
    return _AUTH_HEADER.sub(lambda m: m.group("prefix") + REDACTED, text)


def redact_params(params: Iterable[tuple[str, Any]] | Mapping[str, Any] | None) -> Any:
    """Return a copy of ``params`` (pairs or mapping) with secret values redacted."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SENSITIVE_PARAMS else v) for k, v in params.items()
        }
    return [(k, REDACTED if str(k).lower() in SENSITIVE_PARAMS else v) for k, v in params]


def redact_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a plain-dict copy of ``headers`` with credential headers redacted."""
    if not headers:
        return {}
    return {k: (REDACTED if str(k).lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}
