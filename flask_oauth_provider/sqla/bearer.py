"""One SELECT per protected call, and ORM objects only when a view asks for them.

:class:`BearerPlan` holds the store's two access-token SELECTs, built once. Both join
the token to its client (inner join: a token whose client is gone is not found):

- the **lean** one returns what every call needs — client id, scope, expiry,
  revocation time — and the ids of the token row and of its user: a handful of columns;
- the **wide** one returns, besides, every column of the token, its client and its user
  (outer join through the token model's ``user`` relationship), so that the objects can
  be made from the row.

:class:`AccessTokenRecord` is one row of either. ``client_id``, ``scopes``,
``expires_at``, ``revoked_at`` and ``sub`` are plain values; ``client``, ``user`` and
``token`` become the session's ORM objects on first use: from the columns already read
(wide row: no second statement, as if the session had loaded them) or by primary key
(lean row). An object the session already holds is returned as it is (a wide row
refreshes its columns, as ``populate_existing`` would), and a model that cannot be
filled column by column (inheritance, columns mapped from SQL expressions) is loaded by
primary key. Which SELECT a view gets is ``require_oauth``'s choice (see
:mod:`flask_oauth_provider.bearer`).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Optional

from sqlalchemy import bindparam, inspect, select

from .models import access_token_active
from .rows import Entity as _Entity
from .rows import entity as _entity
from .rows import materialize as _materialize

#: The token columns every protected call reads (``resource``: its RFC 8707 audience).
#: ``dpop_jkt``: the DPoP key it is bound to (RFC 9449), read in the same SELECT.
_HEAD = ("client_id", "scope", "expires_at", "revoked_at", "resource", "dpop_jkt")


@dataclasses.dataclass(frozen=True)
class _Layout:
    """One of the two SELECTs and where its values are."""

    stmt: Any
    wide: bool
    token: _Entity  # lean: the primary key positions only
    client: Optional[_Entity]  # wide only
    user: Optional[_Entity]  # wide: the user's columns; lean: None
    user_key: tuple[int, ...]  # lean: positions of the token's user foreign key


@dataclasses.dataclass(frozen=True)
class BearerPlan:
    lean: _Layout
    wide: _Layout
    store: Any
    user_class: Optional[type]  # set when the token's user key is the user's primary key

    @classmethod
    def build(cls, store: Any, token_model: type, client_model: type,
              user_rel: Any) -> BearerPlan:
        tmap, cmap = inspect(token_model), inspect(client_model)
        head = [tmap.columns[name].label(f"f{i}") for i, name in enumerate(_HEAD)]
        joined = tmap.local_table.join(
            cmap.local_table, cmap.columns["client_id"] == tmap.columns["client_id"])
        where = tmap.columns["access_token_digest"] == bindparam("digest")

        token, token_cols = _entity(token_model, len(head), "t")
        client, client_cols = _entity(client_model, token.start + len(token_cols), "c")
        user, user_cols, source, user_class = None, [], joined, None
        pairs = list(user_rel.local_remote_pairs) if user_rel is not None else []
        if user_rel is not None:
            user, user_cols = _entity(user_rel.mapper.class_,
                                      client.start + len(client_cols), "u")
            source = joined.outerjoin(user_rel.mapper.local_table, user_rel.primaryjoin)
            if [remote for _, remote in pairs] == list(user_rel.mapper.primary_key):
                user_class = user_rel.mapper.class_
        wide = _Layout(select(*head, *token_cols, *client_cols, *user_cols)
                       .select_from(source).where(where), True, token, client, user, ())

        pk_cols = [c.label(f"k{i}") for i, c in enumerate(tmap.primary_key)]
        fk_cols = [local.label(f"u{i}") for i, (local, _) in enumerate(pairs)]
        n = len(head)
        lean_token = dataclasses.replace(token, keys=(), start=n,
                                         pk=tuple(range(n, n + len(pk_cols))))
        lean = _Layout(select(*head, *pk_cols, *fk_cols).select_from(joined).where(where),
                       False, lean_token, None, None,
                       tuple(range(n + len(pk_cols), n + len(pk_cols) + len(fk_cols))))
        return cls(lean, wide, store, user_class)

    def find(self, digest: str, wide: bool) -> Optional[AccessTokenRecord]:
        layout = self.wide if wide else self.lean
        row = self.store.session.execute(layout.stmt, {"digest": digest}).first()
        return None if row is None else AccessTokenRecord(self, layout, row)


def _split(value: Optional[str]) -> list[str]:
    return value.split() if value else []


def _key_text(key: tuple) -> str:
    return str(key[0]) if len(key) == 1 else ":".join(str(part) for part in key)


class AccessTokenRecord:
    """An access token as one row of a :class:`BearerPlan` SELECT (see the module)."""

    __slots__ = ("_plan", "_layout", "_row", "client_id", "scope", "expires_at",
                 "revoked_at", "resource", "dpop_jkt", "_objects")

    def __init__(self, plan: BearerPlan, layout: _Layout, row: Any) -> None:
        self._plan, self._layout, self._row = plan, layout, row
        (self.client_id, self.scope, self.expires_at, self.revoked_at,
         self.resource, self.dpop_jkt) = row[:len(_HEAD)]
        self._objects: dict[str, Any] = {}

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def resources(self) -> list[str]:
        """The token's audience (RFC 8707), as ``TokenMixin.resources``."""
        return _split(self.resource)

    @property
    def touched(self) -> bool:
        """Whether the client, the user or the token row was asked for."""
        return bool(self._objects)

    @property
    def sub(self) -> Optional[str]:
        """The user's primary key as text (joined by ``:`` if composite), or ``None``."""
        layout, row = self._layout, self._row
        if layout.wide:
            key = layout.user.identity(row) if layout.user is not None else None
        elif self._plan.user_class is not None or not layout.user_key:
            key = tuple(row[i] for i in layout.user_key) or None
            key = None if key is None or any(v is None for v in key) else key
        else:  # a user relationship to something other than the user's key
            user = self.user
            key = inspect(user).identity if user is not None else None
        return None if key is None else _key_text(key)

    def is_active(self, now: datetime.datetime) -> bool:
        """Not revoked and not expired at ``now`` (naive UTC), as ``TokenMixin.is_active``."""
        return access_token_active(self.revoked_at, self.expires_at, now)

    @property
    def token(self) -> Any:
        """The ORM token row."""
        return self._object("token")

    @property
    def client(self) -> Any:
        return self._object("client")

    @property
    def user(self) -> Any:
        return self._object("user")

    def _object(self, name: str) -> Any:
        if name not in self._objects:
            self._objects[name] = self._make(name)
        return self._objects[name]

    def _make(self, name: str) -> Any:
        layout, row, plan = self._layout, self._row, self._plan
        session = plan.store.session
        if layout.wide:
            entity = {"token": layout.token, "client": layout.client, "user": layout.user}[name]
            return None if entity is None else _materialize(session, entity, row)
        if name == "token":
            key = layout.token.identity(row)
            return session.get(layout.token.cls, key[0] if len(key) == 1 else key)
        if name == "client":
            return plan.store.load_client(self.client_id)
        key = tuple(row[i] for i in layout.user_key)
        if not key or any(v is None for v in key):
            return None
        if plan.user_class is not None:
            return session.get(plan.user_class, key[0] if len(key) == 1 else key)
        return self.token.user
