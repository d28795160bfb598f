"""A scratch queue table on the run's kind of database, for the durable-queue core's tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert

from lti_tool.db import Database
from tests.support.services import create_postgres_database, drop_postgres_database
from xapi.queue import QueueTable, utcnow

metadata = MetaData()
items = Table(
    "queue_item",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", Integer, nullable=False),
    Column("key", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("token", String(64)),
    Column("until", DateTime(timezone=True)),
    Column("due", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("payload", String(50)),
)
c = items.c
ITEMS = QueueTable(
    table=items,
    id=c.id,
    order=c.id,
    key=c.key,
    status=c.status,
    token=c.token,
    until=c.until,
    due=c.due,
    attempts=c.attempts,
    error=c.error,
    scope=c.scope,
    done="done",
)


@pytest.fixture(scope="module")
def queue_database(db_kind, tmp_path_factory):
    """A database of the run's kind holding only the scratch queue table."""
    name = None
    if db_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('queue') / 'queue.db'}"
    else:
        url, name = create_postgres_database()
    database = Database(url)
    metadata.create_all(database.engine)
    yield database
    database.engine.dispose()
    if name is not None:
        drop_postgres_database(name)


@pytest.fixture
def qdb(queue_database):
    """The scratch database, its queue table emptied for each test."""
    with queue_database.transaction() as session:
        session.execute(items.delete())
    return queue_database


def add_items(database, keys: str, scope: int = 1, age_seconds: float = 0) -> list[int]:
    """Queue one pending item per character of `keys` (its key); return their ids in order."""
    made = utcnow() - timedelta(seconds=age_seconds)
    ids = []
    with database.transaction() as session:
        for key in keys:
            row = {"scope": scope, "key": key, "status": "pending", "attempts": 0}
            row["created_at"] = made
            ids.append(session.execute(insert(items).values(row).returning(c.id)).scalar_one())
    return ids


def state(database) -> dict[int, tuple]:
    """Return {id: (status, token, attempts, error)} of every item."""
    with database.sessions() as session:
        rows = session.execute(items.select().order_by(c.id))
        return {r.id: (r.status, r.token, r.attempts, r.error) for r in rows}
