"""The short path of a protected call: one SELECT, nothing more.

A protected call (RFC 6750 §2.1: ``Authorization: Bearer <token>``) is what a provider
serves most. When the validator can look an access token up by itself
(``find_access_token``, the bundled SQLAlchemy store) and the request is the plain
case — the token in the header only, no form body, no Flask-OAuthlib hooks — the check
reads the header once, runs one SELECT, checks revocation, expiry and scopes, and
builds no ORM object: ``current_token`` gives ``user``, ``client`` and ``token`` when
the view first touches them (from the columns already read when the view is known to
use them, see :class:`SelectWidth`). ``flask_oauth_provider.resource`` runs it. Every other
request takes the general path through the core's resource endpoint, which gives the
same answers for the plain case and handles the rest (RFC 6750 §2.2 form bodies,
§2.3 query tokens, tokens sent two ways, malformed requests, custom validators).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from .core import errors
from .core.utils import urldecode

log = logging.getLogger(__name__)

#: :func:`check_plain_bearer`'s answer when the request needs the general path.
GENERAL_PATH = object()

_FORM = "application/x-www-form-urlencoded"


def _plain_bearer_token(environ: dict) -> Optional[tuple[str, str]]:
    """The token of a request that carries it in the header only (RFC 6750 §2.1), or
    ``None`` when the general path must decide (no header, another scheme, a form body
    or a query that could carry one, a query the core would find malformed)."""
    parts = environ.get("HTTP_AUTHORIZATION", "").split()
    # RFC 9449 §7.1: a DPoP-bound token comes with the DPoP scheme.
    if len(parts) != 2 or parts[0].lower() not in ("bearer", "dpop"):
        return None
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == _FORM:
        return None
    query = environ.get("QUERY_STRING")
    if query:
        try:
            pairs = urldecode(query, strict_fields=True)  # as the core parses it
        except ValueError:
            return None
        if any(key == "access_token" for key, _ in pairs):
            return None
    return parts[0].lower(), parts[1]


class SelectWidth:
    """Which of the store's SELECTs a protected view gets: the wide one (the token's,
    client's and user's columns) or the lean one (the values and ids only).

    A view starts wide, so that one statement serves it even when it reads
    ``current_token.user`` and ``.client``. After a call that touched none of them it
    gets the lean SELECT; should a lean call touch them after all (loading them by
    primary key, one statement each, once), the view stays wide from then on.
    """

    __slots__ = ("wide", "settled")

    def __init__(self) -> None:
        self.wide = True
        self.settled = False

    def learn(self, record: Any) -> None:
        """After a call that ``record`` (an access-token record) served."""
        if record.touched:
            self.settled = self.settled or not self.wide
            self.wide = True
        elif not self.settled:
            self.wide = False


def check_plain_bearer(environ: dict, validator: Any, server: Any, required: list[str],
                       refuse: Callable[..., Any], wide: bool = True,
                       audience_ok: Optional[Callable[[Any], bool]] = None,
                       proof_check: Optional[Callable[[str, str, Optional[str]], Any]] = None
                       ) -> Any:
    """The short path for the WSGI ``environ``: the token's record (active, with every
    required scope), a refusal (``refuse(status, error, description=None, scope=None)``)
    or :data:`GENERAL_PATH`.

    Same answers as the general path: 401 ``invalid_token`` for an unknown, revoked or
    expired token (revocation and expiry are checked on every call, RFC 6750 §3.1) or
    one whose audience ``audience_ok(record)`` refuses,
    403 ``insufficient_scope`` naming the required scopes, 503 when the database is
    unavailable, 500 ``server_error`` for anything unexpected. A DPoP-bound token, or
    one sent with the DPoP scheme, is checked by ``proof_check(scheme, token, jkt)``
    (RFC 9449 §7; ``None`` or a refusal); a bearer call pays nothing for it.
    """
    presented = _plain_bearer_token(environ)
    if presented is None or not server.available:
        return GENERAL_PATH
    scheme, token = presented
    try:
        record = validator.find_access_token(token, wide)
        active = record is not None and record.is_active(validator.now())
    except errors.OAuth2Error as exc:
        status = exc.status_code if exc.status_code in (400, 500, 503) else 400
        return refuse(status, exc.error or "invalid_request")
    except Exception:
        if not server.catch_errors:
            raise
        log.exception("Unexpected error while verifying a resource request.")
        return refuse(500, "server_error")
    if not active or (audience_ok is not None and not audience_ok(record)):
        # RFC 8707 §2 / RFC 9068 §4: a token for another resource is invalid here.
        return refuse(401, "invalid_token")
    if scheme == "dpop" or record.dpop_jkt:
        if proof_check is None:
            # Fail closed: without a proof check a bound token must not pass as bearer.
            return GENERAL_PATH
        refusal = proof_check(scheme, token, record.dpop_jkt)
        if refusal is not None:
            return refusal
    granted = record.scopes
    if any(scope not in granted for scope in required):
        return refuse(403, "insufficient_scope", scope=required)
    return record
