"""Single use: the writes whose row count decides, and the revocation that answers a replay.

An authorization code is used once (RFC 6749 §4.1.2), and so is a rotated refresh token
(RFC 9700 §4.14.2). The database decides, not a read before the write:

- :meth:`~SingleUseWrites._redeem_code_once`: ``UPDATE ... SET consumed_at WHERE
  consumed_at IS NULL``;
- :meth:`~SingleUseWrites._rotate_refresh_once`: ``UPDATE ... SET refresh_rotated_at
  WHERE refresh_rotated_at IS NULL``;
- :meth:`~SingleUseWrites._confirm_refresh_live`: without rotation, an UPDATE that
  changes nothing and whose row count says the refresh token is still live;

each in the same transaction as :meth:`~SingleUseWrites._insert_token`, the token it pays
for. An UPDATE that matched no row raises :class:`AlreadyRedeemed`: another request got
there first, nothing is written, and two workers racing on one code or refresh token
issue one token, never two. A replay then revokes the tokens of its grant, its family
(RFC 6749 §4.1.2, RFC 9700 §4.14.2).
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

from sqlalchemy import bindparam, insert, inspect, update

from .base import StoreBase


class AlreadyRedeemed(Exception):
    """A conditional UPDATE matched no row: another request redeemed, rotated or revoked
    first."""


class SingleUseWrites(StoreBase):
    """The writes of :class:`~flask_oauth_provider.sqla.SQLAlchemyStore` that must take
    effect once: redemption, rotation, the token insert that goes with them, revocation.

    The single-use methods run inside the transaction of the caller's ``_write``; the
    others open their own.
    """

    # -- single use (inside the token's transaction) ---------------------------------------

    def _redeem_code_once(self, code_digest: str, now: datetime.datetime) -> None:
        """Mark the code used if it is unused and unexpired (RFC 6749 §4.1.2), or raise
        :class:`AlreadyRedeemed`."""
        model = self.code_model
        self._conditional(self._statement("redeem_code", lambda: (
            update(model)
            .where(model.code_digest == bindparam("digest"),
                   model.consumed_at.is_(None),
                   model.expires_at > bindparam("now"))
            .values(consumed_at=bindparam("now"))
        )), {"digest": code_digest, "now": now})

    def _rotate_refresh_once(self, refresh_digest: str, now: datetime.datetime) -> None:
        """Retire the refresh token being exchanged if it is live (RFC 9700 §4.14.2), or
        raise :class:`AlreadyRedeemed`."""
        model = self.token_model
        self._conditional(self._statement("rotate_refresh", lambda: (
            update(model).where(*_live_refresh_token(model))
            .values(refresh_rotated_at=bindparam("now"))
        )), {"digest": refresh_digest, "now": now})

    def _confirm_refresh_live(self, refresh_digest: str) -> None:
        """Without rotation, the refresh token must still be live when the new access
        token is written, or a refresh racing a revocation would hand out an access token
        after the grant was revoked (RFC 7009 §2.1). The UPDATE changes nothing; its row
        count (and row lock) is the check: no row raises :class:`AlreadyRedeemed`."""
        model = self.token_model
        self._conditional(self._statement("check_refresh", lambda: (
            update(model).where(*_live_refresh_token(model))
            .values(refresh_expires_at=model.refresh_expires_at)
        )), {"digest": refresh_digest})

    def _conditional(self, stmt: Any, params: Optional[dict] = None) -> None:
        result = self.session.execute(stmt, params,
                                      execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise AlreadyRedeemed()

    def _insert_token(self, row: dict) -> None:
        """Write a new token row (its digests only) in the current transaction; ``row``
        holds its values by attribute name."""
        model = self.token_model
        relationships = self._statement("token_relationships", lambda: frozenset(
            rel.key for rel in inspect(model).relationships))
        if not relationships.isdisjoint(row):
            obj = model()  # a relationship was given: only the unit of work maps it
            for key, value in row.items():
                setattr(obj, key, value)
            self.session.add(obj)
            self.session.flush()
            return
        # A Core INSERT of the row's values: no ORM object for a row nothing reads again.
        columns = self._statement("token_columns", lambda: {
            prop.key: prop.columns[0].key for prop in inspect(model).column_attrs})
        self.session.execute(
            self._statement("insert_token", lambda: insert(model.__table__)),
            {columns[key]: value for key, value in row.items()})

    # -- codes marked used, tokens revoked (each in its own transaction) ---------------------

    def _consume_codes(self, *criteria: Any) -> None:
        """Mark the unused codes matching ``criteria`` used."""
        model = self.code_model
        now = self.now()
        self._write(lambda: self.session.execute(
            update(model).where(*criteria, model.consumed_at.is_(None)).values(consumed_at=now),
            execution_options={"synchronize_session": False},
        ))

    def _revoke_found(self, row: Any, kind: Optional[str]) -> None:
        """Revoke a token found by value: a refresh token takes the access tokens of its
        grant along (RFC 7009 §2.1 SHOULD); an access token, the refresh token issued
        with it (§2.1 MAY)."""
        if kind == "refresh_token":
            self._revoke_family(row.family_id)
        else:
            self._revoke_rows(self.token_model.access_token_digest == row.access_token_digest)

    def _revoke_family(self, family_id: str) -> int:
        """Revoke every token descending from one authorization."""
        return self._revoke_rows(self.token_model.family_id == family_id)

    def _revoke_rows(self, *criteria: Any) -> int:
        model = self.token_model
        now = self.now()
        statement = (update(model).where(*criteria, model.revoked_at.is_(None))
                     .values(revoked_at=now))

        def revoke() -> int:
            options = {"synchronize_session": False}
            count = self.session.execute(statement, execution_options=options).rowcount
            # Under READ COMMITTED (PostgreSQL) an UPDATE that waited on the row lock of
            # a concurrent refresh rechecks that row only: the token the refresh inserted
            # is not in its snapshot and would stay live. A second statement takes a new
            # snapshot and catches it (the refresh has committed by then).
            return count + self.session.execute(statement, execution_options=options).rowcount

        return self._write(revoke)


def _live_refresh_token(model: Any) -> tuple:
    """WHERE the refresh token bound as ``digest`` is neither rotated out nor revoked."""
    return (model.refresh_token_digest == bindparam("digest"),
            model.refresh_rotated_at.is_(None),
            model.revoked_at.is_(None))
