"""One SELECT per protected call, and ORM objects only when a view asks for them.

:class:`BearerPlan` is the store's access-token SELECT, built once: the token's columns
joined to its client's (inner join: a token whose client is gone is not found) and
its user's (outer join, through the token model's ``user`` relationship).
:class:`AccessTokenRecord` is one row of it. ``client_id``, ``scopes``, ``expires_at``,
``revoked_at`` and ``sub`` are plain values; ``client``, ``user`` and ``token`` become
the app's ORM objects on first use, from the columns already read, as if the session
had loaded them (no second statement). An object the session already holds is
returned as it is, and a model this cannot fill column by column (inheritance,
columns mapped from SQL expressions) is loaded by primary key instead.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Optional

from sqlalchemy import Column, bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

_TOKEN_FIELDS = ("client_id", "scope", "expires_at", "revoked_at")


@dataclasses.dataclass(frozen=True)
class _Entity:
    """Where one model's columns sit in the row, and how to make the object."""

    cls: type
    keys: tuple[str, ...]  # attribute keys, in row order from ``start``
    start: int
    pk: tuple[int, ...]  # row positions of the primary key
    fillable: bool  # one table, plain columns: the object can be filled from the row
    new: Any  # makes an empty instance without calling the model's __init__

    def identity(self, row: Any) -> Optional[tuple]:
        values = tuple(row[i] for i in self.pk)
        return None if any(v is None for v in values) else values


def _entity(cls: type, start: int, prefix: str) -> tuple[_Entity, list]:
    mapper = inspect(cls)
    keys, cols = [], []
    fillable = mapper.inherits is None and mapper.polymorphic_on is None
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if len(prop.columns) != 1 or not isinstance(column, Column) or prop.deferred:
            fillable = False
            continue
        keys.append(prop.key)
        cols.append(column.label(f"{prefix}{len(cols)}"))
    pk_keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    if any(k not in keys for k in pk_keys):
        raise TypeError(f"{cls.__name__}: its primary key must be plain columns")
    pk = tuple(start + keys.index(k) for k in pk_keys)
    return _Entity(cls, tuple(keys), start, pk, fillable,
                   mapper.class_manager.new_instance), cols


@dataclasses.dataclass(frozen=True)
class BearerPlan:
    stmt: Any
    token: _Entity
    client: _Entity
    user: Optional[_Entity]

    @classmethod
    def build(cls, token_model: type, client_model: type, user_rel: Any) -> BearerPlan:
        tmap, cmap = inspect(token_model), inspect(client_model)
        head = [tmap.columns[name].label(f"f{i}") for i, name in enumerate(_TOKEN_FIELDS)]
        token, token_cols = _entity(token_model, len(head), "t")
        client, client_cols = _entity(client_model, token.start + len(token_cols), "c")
        source = tmap.local_table.join(
            cmap.local_table, cmap.columns["client_id"] == tmap.columns["client_id"])
        user, user_cols = None, []
        if user_rel is not None:
            user, user_cols = _entity(user_rel.mapper.class_,
                                      client.start + len(client_cols), "u")
            source = source.outerjoin(user_rel.mapper.local_table, user_rel.primaryjoin)
        stmt = (select(*head, *token_cols, *client_cols, *user_cols).select_from(source)
                .where(tmap.columns["access_token_digest"] == bindparam("digest")))
        return cls(stmt, token, client, user)


def _split(value: Optional[str]) -> list[str]:
    return value.split() if value else []


class AccessTokenRecord:
    """An access token as one row of :class:`BearerPlan`'s SELECT (see the module)."""

    __slots__ = ("_session", "_plan", "_row", "client_id", "scope", "expires_at",
                 "revoked_at", "_objects")

    def __init__(self, session: Any, plan: BearerPlan, row: Any) -> None:
        self._session, self._plan, self._row = session, plan, row
        self.client_id, self.scope, self.expires_at, self.revoked_at = row[:4]
        self._objects: dict[str, Any] = {}

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def sub(self) -> Optional[str]:
        """The user's primary key as text (joined by ``:`` if composite), or ``None``."""
        user = self._plan.user
        key = user.identity(self._row) if user is not None else None
        if key is None:
            return None
        return str(key[0]) if len(key) == 1 else ":".join(str(part) for part in key)

    def is_active(self, now: datetime.datetime) -> bool:
        """Not revoked and not expired at ``now`` (naive UTC), as ``TokenMixin.is_active``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def token(self) -> Any:
        """The ORM token row."""
        return self._object("token", self._plan.token)

    @property
    def client(self) -> Any:
        return self._object("client", self._plan.client)

    @property
    def user(self) -> Any:
        entity = self._plan.user
        return None if entity is None else self._object("user", entity)

    def _object(self, name: str, entity: _Entity) -> Any:
        if name not in self._objects:
            self._objects[name] = _materialize(self._session, entity, self._row)
        return self._objects[name]


def _materialize(session: Any, entity: _Entity, row: Any) -> Any:
    """The session's object for ``entity``'s columns in ``row``, without a statement
    when the columns suffice (``None`` for an outer-joined row that is absent)."""
    pk = entity.identity(row)
    if pk is None:
        return None
    ident = pk[0] if len(pk) == 1 else pk
    existing = session.identity_map.get(identity_key(entity.cls, ident))
    if existing is not None:
        return existing
    if not entity.fillable:
        return session.get(entity.cls, ident)
    obj = entity.new()
    start = entity.start
    for i, key in enumerate(entity.keys):
        set_committed_value(obj, key, row[start + i])
    make_transient_to_detached(obj)  # as if loaded: the session will treat it so
    session.add(obj)
    return obj
