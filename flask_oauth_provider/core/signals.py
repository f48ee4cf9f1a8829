"""The signal hook: how the core tells the framework around it that something happened.

A server is given ``send_signal`` (``callable(name, request) -> None``; the default does
nothing). The endpoints and grants call it with one of the names below and the core
request, whose attributes say the rest (``client``, ``user``, ``scopes``, ``grant_type``,
``token_type_hint``). The Flask layer maps the names to its blinker signals; a receiver
never needs data that travelled any other way.
"""

from __future__ import annotations

from typing import Any, Callable

from .request import Request

#: A token response with status 200 was produced (RFC 6749 §5.1).
TOKEN_ISSUED = "token_issued"  # noqa: S105 (a signal name)
#: A revocation request was answered 200 after ``revoke_token`` (RFC 7009 §2.2).
TOKEN_REVOKED = "token_revoked"  # noqa: S105 (a signal name)
#: ``authenticate_client`` or ``authenticate_client_id`` returned True (RFC 6749 §2.3).
CLIENT_AUTHENTICATED = "client_authenticated"

SIGNAL_NAMES = (TOKEN_ISSUED, TOKEN_REVOKED, CLIENT_AUTHENTICATED)

SendSignal = Callable[[str, Any], None]


def no_signal(name: str, request: Request) -> None:
    """The default hook: nobody listens."""
