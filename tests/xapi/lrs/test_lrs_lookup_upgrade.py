"""A store written before migration 0202 answers every kind of query the same after it.

Before 0202 both databases kept one `lrs_statement_key` row per lookup key; PostgreSQL now keeps
the keys in the statement row (`lookup`, GIN-indexed) and the migration moves them there. The
statements are written here as the previous release wrote them (rows and key rows), the store is
upgraded, and agent, related-agent, activity, related-activity, registration and verb queries,
`holds_learner` and an erasure are checked against what the statements say.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine

from lti_tool import schema
from tests.support.services import create_postgres_database, drop_postgres_database
from xapi.lrs import StatementQuery, lookup_keys, query_statements
from xapi.lrs.browse import holds_learner
from xapi.lrs.store import dumps
from xapi.lrs.transfer import erase_agent

HOME = "https://moodle.example.ac.uk"
VERBS = "http://adlnet.gov/expapi/verbs/"
ACT = "https://leadpath.example/activities/"


def _agent(name: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": HOME, "name": name}}


STATEMENTS = [
    {
        "id": "00000000-0000-4000-8000-000000000001",
        "actor": _agent("asha"),
        "verb": {"id": VERBS + "attempted"},
        "object": {"objectType": "Activity", "id": ACT + "self-assessment"},
        "context": {
            "registration": "10000000-0000-4000-8000-000000000001",
            "instructor": _agent("dr-ward"),
            "contextActivities": {"grouping": [{"id": ACT + "course-1"}]},
        },
        "stored": "2026-01-15T09:30:00.000Z",
    },
    {
        "id": "00000000-0000-4000-8000-000000000002",
        "actor": _agent("ben"),
        "verb": {"id": VERBS + "completed"},
        "object": {"objectType": "Activity", "id": ACT + "course-1"},
        "stored": "2026-01-15T09:31:00.000Z",
    },
]
STORED_US = [1768469400000000, 1768469460000000]


@pytest.fixture
def previous_store(db_kind, tmp_path):
    """A store migrated to the LRS revisions of the previous release, holding STATEMENTS."""
    if db_kind == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'lrs.db'}", None
    else:
        url, name = create_postgres_database()
    command.upgrade(schema.alembic_config(url), "0201")
    engine = create_engine(url)
    with engine.begin() as conn:
        for seq, (statement, stored_us) in enumerate(
            zip(STATEMENTS, STORED_US, strict=True), start=1
        ):
            keys = lookup_keys.statement_keys(statement)
            conn.exec_driver_sql(
                "INSERT INTO lrs_statement (seq, id, stored_us, voided, is_voiding, credential, "
                "key_hashes, payload) VALUES (%s, %s, %s, false, false, NULL, %s, %s)"
                if db_kind == "postgresql"
                else "INSERT INTO lrs_statement (seq, id, stored_us, voided, is_voiding, "
                "credential, key_hashes, payload) VALUES (?, ?, ?, 0, 0, NULL, ?, ?)",
                (seq, statement["id"], stored_us, lookup_keys.encode_keys(keys), dumps(statement)),
            )
            for h, direct in keys.items():
                conn.exec_driver_sql(
                    "INSERT INTO lrs_statement_key (h, stored_us, seq, direct) VALUES "
                    + ("(%s, %s, %s, %s)" if db_kind == "postgresql" else "(?, ?, ?, ?)"),
                    (h, stored_us, seq, direct),
                )
        if db_kind == "sqlite":
            conn.exec_driver_sql("UPDATE lrs_index_mark SET seq = 2 WHERE id = 1")
    engine.dispose()
    try:
        yield url
    finally:
        if name:
            drop_postgres_database(name)


def _ids(engine, **filters) -> list[str]:
    page = query_statements(engine, StatementQuery(**filters))
    return sorted(s["id"][-1] for s in page.statements())


def test_every_query_answers_the_same_after_the_upgrade(previous_store, db_kind):
    schema.upgrade(previous_store)
    engine = create_engine(previous_store)
    try:
        with engine.connect() as conn:
            key_rows = conn.exec_driver_sql("SELECT count(*) FROM lrs_statement_key").scalar()
            lookups = conn.exec_driver_sql("SELECT lookup FROM lrs_statement").scalars().all()
        if db_kind == "postgresql":
            assert key_rows == 0
            assert all(lookups), "every statement holds its keys"
        else:
            assert key_rows > 0 and lookups == [None, None]
        assert _ids(engine, agent=_agent("asha")) == ["1"]
        assert _ids(engine, agent=_agent("dr-ward")) == []
        assert _ids(engine, agent=_agent("dr-ward"), related_agents=True) == ["1"]
        assert _ids(engine, activity=ACT + "course-1") == ["2"]
        assert _ids(engine, activity=ACT + "course-1", related_activities=True) == ["1", "2"]
        assert _ids(engine, registration="10000000-0000-4000-8000-000000000001") == ["1"]
        assert _ids(engine, verb=VERBS + "completed") == ["2"]
        assert _ids(engine, verb=VERBS + "completed", agent=_agent("asha")) == []
        assert _ids(engine, course=ACT + "course-1", learner="asha") == ["1"]
        assert holds_learner(engine, "ben") and not holds_learner(engine, "dr-ward")
        assert erase_agent(engine, _agent("dr-ward"), "dpo@example.org", "REQ-9")[0] == 1
        assert _ids(engine, activity=ACT + "course-1", related_activities=True) == ["2"]
    finally:
        engine.dispose()
