"""ORM objects made from the columns of one Core SELECT, without the ORM's query path.

The per-request lookups of the store (the protected call's token, the token endpoint's
client) read one row by an indexed column. Running them through ``session.scalars()``
costs more than the SELECT itself (the ORM's compile state, row processors,
``populate_existing``); here the statement is a Core SELECT built once, and the object
is filled from its row as if the session had loaded it:

- an object the session already holds is returned, its columns refreshed from the row
  (as ``populate_existing`` would, so a revocation is never missed);
- otherwise a new instance gets the columns as its loaded state and joins the session
  as persistent; nothing about it is pending or dirty;
- a model that cannot be filled column by column (inheritance, columns mapped from SQL
  expressions, deferred columns) is loaded by primary key instead;
- the model's ``load`` event listeners (``@reconstructor``) run for a new instance, as
  after the ORM's own load, with no query context.

:class:`RowLoader` adds the model's many-to-one ``user`` (outer-joined, as the
``joinedload`` it replaces), so that ``obj.user`` is then found in the session's
identity map without a statement.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from sqlalchemy import Column, bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.util import identity_key


@dataclasses.dataclass(frozen=True)
class Entity:
    """Where one model's columns sit in a row, and how to make the object."""

    cls: type
    keys: tuple[str, ...]  # attribute keys, in row order from ``start``
    start: int
    pk: tuple[int, ...]  # row positions of the primary key
    fillable: bool  # one table, plain columns: the object can be filled from the row
    new: Any  # makes an empty instance without calling the model's __init__
    on_load: Any  # the model's ``load`` listeners (``@reconstructor``), or None

    def identity(self, row: Any) -> Optional[tuple]:
        values = tuple(row[i] for i in self.pk)
        return None if any(v is None for v in values) else values


def entity(cls: type, start: int, prefix: str) -> tuple[Entity, list]:
    """The :class:`Entity` of ``cls`` whose columns start at ``start`` in a row, and the
    labelled columns to select."""
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
    on_load = mapper.class_manager.dispatch.load
    return Entity(cls, tuple(keys), start, pk, fillable,
                  mapper.class_manager.new_instance, on_load if on_load else None), cols


def materialize(session: Any, entity: Entity, row: Any) -> Any:
    """The session's object for ``entity``'s columns in ``row``, without a statement
    when the columns suffice (``None`` for an outer-joined row that is absent)."""
    pk = entity.identity(row)
    if pk is None:
        return None
    ident = pk[0] if len(pk) == 1 else pk
    start = entity.start
    existing = session.identity_map.get(identity_key(entity.cls, ident))
    if existing is not None:
        if entity.fillable:  # refreshed from this row, as populate_existing would
            for i, key in enumerate(entity.keys):
                set_committed_value(existing, key, row[start + i])
        return existing
    if not entity.fillable:
        return session.get(entity.cls, ident)
    obj = entity.new()
    # The loaded values go straight into the new instance's dict, as the ORM's own
    # loader puts them there: no history, they are its committed state.
    obj.__dict__.update(zip(entity.keys, row[start:start + len(entity.keys)]))
    make_transient_to_detached(obj)  # as if loaded: the session will treat it so
    session.add(obj)
    if entity.on_load is not None:  # as after the ORM's own load (no query context)
        entity.on_load(instance_state(obj), None)
    return obj


@dataclasses.dataclass(frozen=True)
class RowLoader:
    """One model found by one column's value, with its ``user`` (see the module)."""

    stmt: Any
    main: Entity
    user: Optional[Entity]
    user_key: Optional[str]  # the relationship's attribute

    @classmethod
    def build(cls, model: type, column: str, user_rel: Any) -> RowLoader:
        mapper = inspect(model)
        main, cols = entity(model, 0, "m")
        source, user, user_cols = mapper.local_table, None, []
        if user_rel is not None and user_rel.direction.name == "MANYTOONE":
            user, user_cols = entity(user_rel.mapper.class_, len(cols), "u")
            source = source.outerjoin(user_rel.mapper.local_table, user_rel.primaryjoin)
        stmt = (select(*cols, *user_cols).select_from(source)
                .where(mapper.columns[column] == bindparam("value")))
        return cls(stmt, main, user, user_rel.key if user is not None else None)

    def load(self, session: Any, value: Any) -> Any:
        """The object whose column equals ``value`` (its user loaded too), or ``None``."""
        row = session.execute(self.stmt, {"value": value}).first()
        if row is None:
            return None
        user = materialize(session, self.user, row) if self.user is not None else None
        obj = materialize(session, self.main, row)
        if self.user_key is not None and obj is not None:
            # As joinedload leaves it: the relationship loaded, reading it costs nothing.
            set_committed_value(obj, self.user_key, user)
        return obj
