"""Core statements compiled once per database dialect and run straight on the DB-API cursor.

For the launch path only: there SQLAlchemy's per-statement work (cache key, execution context,
result object) costs several times what SQLite spends running the statement. Values still pass
through each column type's bind and result processing, so rows read and written this way are
the same as through SQLAlchemy; driver errors are raised as SQLAlchemy's DBAPIError classes.
Python-side column defaults are not applied: pass every value the table needs.
"""

from __future__ import annotations

import weakref

from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class _Compiled:
    """One statement's SQL text, parameter order and value processors for one dialect."""

    def __init__(self, statement, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.dialect = dialect
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        self.names = list(compiled.positiontup) if dialect.positional else list(by_name)
        self.positional = dialect.positional
        self.bind = {
            name: proc
            for name, bind in by_name.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        columns = getattr(statement, "selected_columns", None) or getattr(
            statement, "_returning", ()
        )
        self.result = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
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

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = _Compiled(self.statement, dialect)
        return compiled

    def _run(self, executor, values: dict, fetch: bool):
        """Run on a Session, a Connection (in its transaction) or an Engine (its own, committed)."""
        if isinstance(executor, Session):
            executor = executor.connection()
        owned = isinstance(executor, Engine)
        dbapi_connection = executor.raw_connection() if owned else executor.connection
        dialect = executor.dialect
        compiled = self._for(dialect)
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
