"""The device authorization grant (RFC 8628) over the bundled models.

The device code and the user code are kept as SHA-256 digests (the user code in its
normalized form, so that whatever case and hyphens the user types finds it); a user code
belongs to one live authorization at a time. Every change of state is one conditional
``UPDATE`` whose row count decides:

- the user's answer (:meth:`DeviceStore.decide_device_authorization`), only while the
  authorization is pending and alive, so it is given once;
- the redemption (:meth:`DeviceStore.redeem_device_code`), only for an allowed, unexpired,
  unredeemed code, left uncommitted so that it commits with the token it pays for:
  two polls racing with one code get one token (the second waits for the first's row
  lock, then matches nothing).

Wrong user codes are rows of the attempt model, counted per source and in total for the
verification page's limits (RFC 8628 §5.1).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Iterable, Optional

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.request import Request
from ..core.user_codes import normalize_user_code
from .base import StoreBase
from .models import (
    DEVICE_ALLOWED,
    DEVICE_DENIED,
    DEVICE_PENDING,
    DeviceCodeMixin,
    same_client,
    space_joined,
    token_digest,
    user_relationship,
    user_values,
)

log = logging.getLogger("flask_oauth_provider.sqla")

#: Stored status -> the answer of ``validate_device_code`` (the ``DEVICE_CODE_*`` values of
#: ``DeviceCodeGrant``, RFC 8628 §3.5).
_POLL_STATUS = {DEVICE_PENDING: "authorization_pending", DEVICE_ALLOWED: "authorized",
                DEVICE_DENIED: "access_denied"}


def user_code_digest(user_code: str) -> str:
    """The digest under which a user code is stored: that of its normalized form."""
    return token_digest(normalize_user_code(user_code))


def _to_epoch(value: datetime.datetime) -> float:
    return value.replace(tzinfo=datetime.timezone.utc).timestamp()


def _from_epoch(value: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).replace(tzinfo=None)


class DeviceStore(StoreBase):
    """The device authorization methods of :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`.

    They need the ``device_code_model`` and ``device_attempt_model`` given to the store
    (``init_sqlalchemy(..., device_code_model=..., device_attempt_model=...)``).
    """

    # Given by the store, which defines them.
    _cache: Any
    _cached: Any

    # -- the device authorization endpoint (RFC 8628 §3.1, §3.2) --------------------------

    def save_device_code(self, client_id: str, code: dict, request: Request,
                         *args: Any, **kwargs: Any) -> Optional[bool]:
        """Store a pending device authorization; False (nothing stored) when its user code
        belongs to another live one, so that the endpoint makes a fresh code.

        An expired authorization that still holds the same user code makes way.
        """
        model = self._device_model()
        now = self.now()
        digest = user_code_digest(code["user_code"])
        row = model()
        row.device_code_digest = token_digest(code["device_code"])
        row.user_code_digest = digest
        row.client_id = client_id or request.client.client_id
        row.scope = space_joined(request.scopes)
        row.status = DEVICE_PENDING
        row.poll_interval = int(code["interval"])
        row.created_at = now
        row.expires_at = now + datetime.timedelta(seconds=int(code["expires_in"]))

        def write() -> bool:
            self.session.execute(
                delete(model).where(model.user_code_digest == digest, model.expires_at <= now),
                execution_options={"synchronize_session": False})
            if self.session.scalar(select(func.count()).select_from(model)
                                   .where(model.user_code_digest == digest)):
                return False
            self.session.add(row)
            self.session.flush()
            return True

        try:
            return None if self._write(write) else False
        except IntegrityError:  # the same user code inserted at the same moment
            return False

    # -- the token endpoint (RFC 8628 §3.4, §3.5) -----------------------------------------

    def _device_row(self, device_code: str, request: Request) -> Optional[DeviceCodeMixin]:
        digest = token_digest(device_code)
        cached = self._cached(request, "device")
        if cached is not None and cached.device_code_digest == digest:
            return cached
        model = self._device_model()
        stmt = self._statement("device_code", lambda: self._with_user(
            select(model).where(model.device_code_digest == bindparam("digest")),
            model, user_relationship(model)))
        return self._cache(request, "device",
                           self.session.scalars(stmt, {"digest": digest}).first())

    def validate_device_code(self, client_id: str, code: str, request: Request,
                             *args: Any, **kwargs: Any) -> Optional[str]:
        """Where the device authorization stands (RFC 8628 §3.5), for the client it was
        issued to; None for an unknown, foreign or redeemed code (``invalid_grant``).

        Once allowed, sets ``request.user`` and ``request.scopes`` (those the user
        allowed).
        """
        if not code or not isinstance(code, str):
            return None
        row = self._device_row(code, request)
        if row is None or row.redeemed_at is not None:
            return None
        if not same_client(row.client_id, client_id):
            return None
        if row.is_expired(self.now()):
            return "expired_token"
        if row.status == DEVICE_ALLOWED:
            request.user = row.user if user_relationship(type(row)) is not None else None
            request.scopes = row.scopes
        return _POLL_STATUS.get(row.status)

    def get_device_code_poll(self, client_id: str, code: str, request: Request,
                             *args: Any, **kwargs: Any) -> Optional[tuple]:
        """``(time of the last poll or None, current interval)`` of the device code."""
        row = self._device_row(code, request)
        if row is None:
            return None
        last = row.last_polled_at
        return (_to_epoch(last) if last is not None else None), row.poll_interval

    def save_device_code_poll(self, client_id: str, code: str, polled_at: float,
                              interval: int, request: Request, *args: Any,
                              **kwargs: Any) -> None:
        """Remember this poll and the interval that now applies (RFC 8628 §3.5)."""
        model = self._device_model()
        stmt = self._statement("device_poll", lambda: (
            update(model).where(model.device_code_digest == bindparam("digest"))
            .values(last_polled_at=bindparam("at"), poll_interval=bindparam("interval"))))
        self._write(lambda: self.session.execute(
            stmt, {"digest": token_digest(code), "at": _from_epoch(polled_at),
                   "interval": int(interval)},
            execution_options={"synchronize_session": False}))

    def redeem_device_code(self, client_id: str, code: str, request: Request,
                           *args: Any, **kwargs: Any) -> bool:
        """Mark the allowed code redeemed: True for one request only.

        The UPDATE stays uncommitted; ``save_bearer_token`` commits it with the token, so
        a failure in between leaves the code unredeemed.
        """
        model = self._device_model()
        stmt = self._statement("redeem_device_code", lambda: (
            update(model)
            .where(model.device_code_digest == bindparam("digest"),
                   model.status == DEVICE_ALLOWED,
                   model.redeemed_at.is_(None),
                   model.expires_at > bindparam("now"))
            .values(redeemed_at=bindparam("now"))))
        try:
            result = self.session.execute(
                stmt, {"digest": token_digest(code), "now": self.now()},
                execution_options={"synchronize_session": False})
        except BaseException:
            self.session.rollback()
            raise
        if result.rowcount != 1:
            self.session.rollback()
            log.warning("device code of client %r redeemed twice at once: refused", client_id)
            return False
        return True

    # -- the verification page (RFC 8628 §3.3) ----------------------------------------------

    def find_device_authorization(self, user_code: Optional[str]) -> Optional[DeviceCodeMixin]:
        """The live, pending device authorization of ``user_code`` as typed, or None."""
        normalized = normalize_user_code(user_code)
        if not normalized:
            return None
        model = self._device_model()
        stmt = select(model).where(model.user_code_digest == token_digest(normalized),
                                   model.status == DEVICE_PENDING,
                                   model.expires_at > self.now())
        return self.session.scalars(stmt).first()

    def decide_device_authorization(self, user_code: str, user: Any, allow: bool,
                                    scopes: Optional[Iterable[str]] = None) -> bool:
        """Record the user's answer, once, while the authorization is pending and alive.

        With ``allow`` the device may redeem its code for a token carrying ``scopes``
        (those the user left checked; default: those asked for); otherwise its next poll
        gets ``access_denied``. False when the code is unknown, expired or answered.
        """
        model = self._device_model()
        now = self.now()
        values: dict = {"status": DEVICE_ALLOWED if allow else DEVICE_DENIED,
                        "decided_at": now}
        if allow and scopes is not None:
            values["scope"] = space_joined(scopes)
        values.update(user_values(model, user) or {})
        stmt = (update(model)
                .where(model.user_code_digest == user_code_digest(user_code or ""),
                       model.status == DEVICE_PENDING, model.expires_at > now)
                .values(**values))
        count = self._write(lambda: self.session.execute(
            stmt, execution_options={"synchronize_session": False}).rowcount)
        return count == 1

    # -- guessing limits (RFC 8628 §5.1) ------------------------------------------------------

    def count_user_code_failures(self, since: datetime.datetime,
                                 source: Optional[str] = None) -> int:
        """Wrong user codes entered after ``since``: from ``source`` (an IP address), or
        on the whole server."""
        model = self._attempt_model()
        stmt = select(func.count()).select_from(model).where(model.failed_at > since)
        if source is not None:
            stmt = stmt.where(model.source_digest == token_digest(source))
        return int(self.session.scalar(stmt) or 0)

    def record_user_code_failure(self, source: Optional[str]) -> None:
        """Count one wrong user code entered from ``source`` (an IP address)."""
        row = self._attempt_model()()
        row.source_digest = token_digest(source or "")
        row.failed_at = self.now()
        self._write(lambda: self.session.add(row))

    # -- the models -------------------------------------------------------------------------

    def _device_model(self) -> type:
        if self.device_code_model is None:
            raise RuntimeError(
                "The device authorization grant needs a device code model: pass "
                "device_code_model= (a DeviceCodeMixin model) to init_sqlalchemy.")
        return self.device_code_model

    def _attempt_model(self) -> type:
        if self.device_attempt_model is None:
            raise RuntimeError(
                "The device verification page needs an attempt model: pass "
                "device_attempt_model= (a DeviceAttemptMixin model) to init_sqlalchemy.")
        return self.device_attempt_model
