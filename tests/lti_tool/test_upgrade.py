"""Upgrading a database made by the previous release keeps every row of every table.

The previous release is commit fa6de48 (the schema measured from outside before this release's
work began); its migration heads are below. A database is migrated to exactly those revisions,
two rows go into every table it has then (the values made from each column's type, foreign keys
pointing at the rows made before), and the database is upgraded to this release's heads. Every
row must come back with the same values in every column it had, and the app must load every
row of every table through its models and call itself ready.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from lti_tool import schema
from tests.support.services import create_postgres_database, drop_postgres_database

PREVIOUS_RELEASE = ("0201", "0301", "0500", "0600")  # the migration heads of commit fa6de48
ROWS = 2
MOMENT = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def empty_url(db_kind, tmp_path):
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'previous-release.db'}"
        return
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


def _generated(conn: Connection, table: Table, column) -> bool:
    """Return True when the database numbers this primary key column itself."""
    if not column.primary_key or len(table.primary_key.columns) != 1 or column.foreign_keys:
        return False
    if conn.dialect.name == "postgresql":
        default = column.server_default
        return column.identity is not None or "nextval" in str(getattr(default, "arg", ""))
    return str(column.type) == "INTEGER"  # SQLite's rowid alias


def _value(table: Table, column, n: int):
    kind = column.type
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, DateTime):
        return MOMENT + dt.timedelta(days=n, seconds=len(column.name))
    if isinstance(kind, Integer):
        return 1000 * n + len(column.name)
    if isinstance(kind, Float | Numeric):
        return n + 0.25
    if isinstance(kind, JSON):
        return {"table": table.name, "column": column.name, "row": n}
    if isinstance(kind, LargeBinary):
        return f"{table.name}.{column.name}.{n}".encode()
    if isinstance(kind, String):  # Text included
        text = f"{n}-{table.name}-{column.name}"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"no sample value for {table.name}.{column.name} ({kind})")


def _fill(conn: Connection, metadata: MetaData) -> None:
    made: dict[str, list[dict]] = {}
    for table in metadata.sorted_tables:
        made[table.name] = []
        for n in range(1, ROWS + 1):
            row = {}
            for column in table.columns:
                if _generated(conn, table, column):
                    continue
                if column.foreign_keys:
                    [fk] = column.foreign_keys
                    parent = made[fk.column.table.name][n - 1]
                    row[column.name] = parent[fk.column.name]
                else:
                    row[column.name] = _value(table, column, n)
            made[table.name].append(
                conn.execute(insert(table).values(row).returning(table)).one()._asdict()
            )


def _snapshot(conn: Connection, metadata: MetaData) -> dict[str, list[dict]]:
    return {
        table.name: [
            row._asdict()
            for row in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in metadata.sorted_tables
    }


def _comparable(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Decimal | float):
        return float(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


# On PostgreSQL the key rows move into their statements' `lookup` arrays (migration 0202; its own
# test, tests/xapi/lrs/test_lrs_lookup_upgrade.py, checks the move and the queries after it).
MOVED_ON_POSTGRESQL = {"lrs_statement_key"}


def test_a_previous_release_database_upgrades_with_every_row_kept(empty_url, make_app, db_kind):
    config = schema.alembic_config(empty_url)
    for revision in PREVIOUS_RELEASE:
        command.upgrade(config, revision)
    engine = create_engine(empty_url)
    before_meta = MetaData()
    with engine.begin() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == set(PREVIOUS_RELEASE)
        before_meta.reflect(conn)
        before_meta.remove(before_meta.tables["alembic_version"])
        assert len(before_meta.tables) >= 25
        _fill(conn, before_meta)
    with engine.connect() as conn:
        before = _snapshot(conn, before_meta)
    assert all(len(rows) >= ROWS for rows in before.values()), "every table has rows"

    schema.upgrade(empty_url)

    after_meta = MetaData()
    with engine.connect() as conn:
        assert schema.schema_state(conn) == schema.CURRENT
        after_meta.reflect(conn, only=list(before_meta.tables))
        after = _snapshot(conn, after_meta)
    engine.dispose()
    moved = MOVED_ON_POSTGRESQL if db_kind == "postgresql" else set()
    for name in moved:
        assert after[name] == [], name
        before[name] = []
    for name, rows in before.items():
        kept = after[name]
        assert len(kept) == len(rows), name
        for old, new in zip(rows, kept, strict=True):
            for column, value in old.items():
                assert column in new, f"{name}.{column} was dropped"
                assert _comparable(new[column]) == _comparable(value), f"{name}.{column}"

    app = make_app(database_url=empty_url)
    from lti_tool.models import Base
    from xapi.lrs.models import LrsBase
    from xapi.outbox.models import OutboxBase

    database = app.extensions["leadpath.db"]
    with database.sessions() as session:
        for base in (Base, OutboxBase, LrsBase):
            for mapper in base.registry.mappers:
                loaded = session.scalars(select(mapper.class_)).all()
                expected = len(before.get(mapper.local_table.name, []))
                assert len(loaded) == expected, mapper.class_.__name__
    ready = app.test_client().get("/healthz/ready")
    assert ready.status_code == 200 and ready.get_json()["schema"] == "current"
