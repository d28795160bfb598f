"""Core statements compiled once per database dialect and run straight on the DB-API cursor.

For the launch path only: there SQLAlchemy's per-statement work (cache key, execution context,
result object) costs several times what SQLite spends running the statement. Values still pass
through each column type's bind and result processing, so rows read and written this way are
the same as through SQLAlchemy; driver errors are raised as SQLAlchemy's DBAPIError classes.
Python-side column defaults are not applied: pass every value the table needs.
"""

from __future__ import annotations

import weakref

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import BindParameter
from sqlalchemy.types import NullType, TypeEngine


def typed_insert(table: Table, columns) -> Insert:
    """Return INSERT INTO table (columns) with one bindparam per column, typed as the column."""
    return insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in columns}
    )


def _bind_types(statement) -> dict[str, TypeEngine]:
    """Return {bindparam name: its type} for the typed bind parameters of a statement."""
    return {
        element.key: element.type
        for element in visitors.iterate(statement)
        if isinstance(element, BindParameter) and not isinstance(element.type, NullType)
    }


class _Compiled:
    """One statement's SQL text, parameter order and value processors for one dialect.

    Built from public Core API only: `construct_expanded_state` gives the SQL and the parameter
    names in order; each bind parameter's type gives its value processor (so every bindparam
    needs a type: a comparison with a column gives one, an INSERT's values need `type_=`);
    `exported_columns` gives the columns a SELECT or a RETURNING yields, whose types process
    the row read back.
    """

    def __init__(self, statement, dialect: Dialect, values: dict):
        state = statement.compile(dialect=dialect).construct_expanded_state(values)
        self.sql = state.statement
        self.dialect = dialect
        self.positional = state.positiontup is not None
        self.names = list(state.positiontup if self.positional else state.parameters)
        if state.parameter_expansion or not set(self.names) <= set(values):
            raise ValueError(
                "A prepared statement takes plain bindparam names and no expanding parameters; "
                f"this one binds {sorted(self.names)}."
            )
        types = _bind_types(statement)
        untyped = sorted(set(self.names) - set(types))
        if untyped:
            raise ValueError(
                f"Give bindparam {', '.join(untyped)} a type (bindparam(name, type_=column.type)) "
                "so its values are processed as SQLAlchemy would."
            )
        self.bind = {
            name: proc
            for name in self.names
            if (proc := types[name].dialect_impl(dialect).bind_processor(dialect))
        }
        self.result = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        ]
        self.processes_rows = any(self.result)

    def parameters(self, values: dict):
        bind = self.bind
        processed = [
            (bind[name](values[name]) if name in bind else values[name]) for name in self.names
        ]
        if self.positional:
            return tuple(processed)
        return dict(zip(self.names, processed, strict=True))

    def row(self, raw):
        if raw is None or not self.processes_rows:
            return raw
        return tuple(p(v) if p else v for p, v in zip(self.result, raw, strict=True))


class Prepared:
    """A Core statement (bound with `bindparam` names) to run with a dict of values."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def _for(self, dialect: Dialect, values: dict) -> _Compiled:
        """Compile for this dialect on first use (the first call's values name the binds)."""
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = _Compiled(self.statement, dialect, values)
        return compiled

    def _run(self, executor, values: dict, fetch: bool):
        """Run on a Session, a Connection (in its transaction) or an Engine (its own, committed)."""
        if isinstance(executor, Session):
            executor = executor.connection()
        owned = isinstance(executor, Engine)
        dbapi_connection = executor.raw_connection() if owned else executor.connection
        dialect = executor.dialect
        compiled = self._for(dialect, values)
        parameters = compiled.parameters(values)
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(compiled.sql, parameters)
                found = compiled.row(cursor.fetchone()) if fetch else cursor.rowcount
            finally:
                cursor.close()
            if owned and not fetch:
                dbapi_connection.commit()
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, parameters, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            if owned:
                dbapi_connection.close()
        return found

    def first(self, executor: Session | Connection | Engine, values: dict) -> tuple | None:
        """Return the first row (processed as SQLAlchemy would), or None."""
        return self._run(executor, values, fetch=True)

    def execute(self, executor: Session | Connection | Engine, values: dict) -> int:
        """Run a write; return how many rows it touched (committed at once on an Engine)."""
        return self._run(executor, values, fetch=False)
