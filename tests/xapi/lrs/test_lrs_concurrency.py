"""Concurrent writers: inserts that leave held rows alone, and the bounded retry of aborts.

The aborts are real: a transaction whose snapshot another connection has changed before it
writes (PostgreSQL's serialization failure under REPEATABLE READ, SQLite's SQLITE_BUSY_SNAPSHOT
in WAL mode).
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from xapi.lrs import concurrency
from xapi.lrs.concurrency import insert_new, retrying
from xapi.lrs.errors import Unavailable
from xapi.lrs.models import Activity

_T = Activity.__table__


@pytest.fixture
def activity(engine, unique):
    activity_id = f"https://leadpath.example/retry/{unique}"
    with engine.begin() as conn:
        conn.execute(insert(_T).values(id=activity_id, definition="held"))
    return activity_id


def _definition(engine, activity_id: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(_T.c.definition).where(_T.c.id == activity_id)).scalar_one()


def _write_from_stale_snapshot(engine, activity_id: str, value: str, *, changed: bool) -> None:
    """Read, let another connection change the row (when `changed`), then write."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            conn.exec_driver_sql("BEGIN")
        conn.execute(select(_T.c.definition).where(_T.c.id == activity_id)).scalar_one()
        if changed:  # to a new value: SQLite leaves a row rewritten as it was untouched
            with engine.begin() as other:
                other.execute(
                    update(_T).where(_T.c.id == activity_id).values(definition=f"other {value}")
                )
        conn.execute(update(_T).where(_T.c.id == activity_id).values(definition=value))
        conn.commit()


def test_an_aborted_transaction_runs_again_and_the_retry_is_logged(engine, activity, caplog):
    runs = []

    def work() -> int:
        runs.append(1)
        _write_from_stale_snapshot(engine, activity, f"run {len(runs)}", changed=len(runs) < 3)
        return len(runs)

    with caplog.at_level(logging.WARNING, logger="xapi.lrs.concurrency"):
        assert retrying("writing a test row", work) == 3
    assert _definition(engine, activity) == "run 3"
    retries = [r.getMessage() for r in caplog.records]
    assert len(retries) == 2 and all(
        m.startswith("writing a test row: the database") for m in retries
    )
    reason = "serialization failure" if engine.dialect.name == "postgresql" else "stale snapshot"
    assert reason in retries[0] and "attempt 2 of 5" in retries[0]
    assert activity not in " ".join(retries)  # what was retried and why, never the data


def test_aborts_beyond_the_bound_give_a_busy_answer(engine, activity, caplog, monkeypatch):
    monkeypatch.setattr(concurrency, "PAUSE_SECONDS", 0.001)
    runs = []

    def work() -> None:
        runs.append(1)
        _write_from_stale_snapshot(engine, activity, f"never {len(runs)}", changed=True)

    with caplog.at_level(logging.WARNING, logger="xapi.lrs.concurrency"):
        with pytest.raises(Unavailable) as raised:
            retrying("writing a test row", work, attempts=3)
    assert len(runs) == 3 and raised.value.status == 503
    assert "send the request again" in raised.value.message
    assert caplog.records[-1].levelname == "ERROR" and "aborted 3 times" in caplog.messages[-1]
    assert _definition(engine, activity) == "other never 3"


def test_other_database_errors_are_not_retried(engine, activity):
    runs = []

    def work() -> None:
        runs.append(1)
        with engine.begin() as conn:
            conn.execute(insert(_T).values(id=activity, definition="again"))

    with pytest.raises(IntegrityError):
        retrying("writing a test row", work)
    assert runs == [1]


def test_insert_new_leaves_held_rows_as_they_are(engine, activity, unique):
    new = [f"https://leadpath.example/retry/{unique}/{n}" for n in (2, 1)]
    rows = [{"id": activity, "definition": "replaced?"}] + [
        {"id": k, "definition": "new"} for k in new
    ]
    with engine.begin() as conn:
        assert insert_new(conn, _T, rows, ["id"]) == set(new)
    with engine.begin() as conn:
        assert insert_new(conn, _T, rows, ["id"]) == set()
    assert [_definition(engine, k) for k in (activity, *new)] == ["held", "new", "new"]
