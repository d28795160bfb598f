"""PostgreSQL reads one learner's statements through the GIN index, statistics or none.

A store that was just filled, restored or migrated has no planner statistics yet; with none the
planner guesses that any key matches one row in 200 and walks the stored-time index newest first
looking for 26 of them, which for one learner among thousands reads nearly every row. The
person-shaped queries (agent, learner, registration) are written so the GIN index is used
whatever the statistics say; this test fills a PostgreSQL store of its own (whatever --db says:
the GIN index exists only there) without ANALYZE and reads the plans the app's queries get.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.dialects import postgresql

from lti_tool import schema
from tests.support.services import create_postgres_database, drop_postgres_database
from xapi.lrs import StatementQuery, authority_for, store_statements
from xapi.lrs.models import Statement
from xapi.lrs.query import matching

_S = Statement.__table__
HOME = "https://moodle.example.ac.uk"
AUTHORITY = authority_for("plans", "plans test", "https://leadpath.example")


def _statement(n: int) -> dict:
    return {
        "actor": {"account": {"homePage": HOME, "name": f"u{n % 500}"}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/v{n % 5}"},
        "object": {"id": f"https://leadpath.example/activities/e{n % 40}"},
        "context": {"registration": f"00000000-0000-4000-8000-{n % 500:012d}"},
    }


@pytest.fixture(scope="module")
def filled():
    url, name = create_postgres_database()
    schema.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:  # no statistics, as in a store filled a moment ago
        conn.exec_driver_sql("ALTER TABLE lrs_statement SET (autovacuum_enabled = false)")
    for start in range(0, 20_000, 500):
        batch = [_statement(n) for n in range(start, start + 500)]
        store_statements(engine, batch, authority=AUTHORITY)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(name)


def _plan(engine, q: StatementQuery, *, statistics: bool = False) -> str:
    stmt, stored, seq = matching(q, _S.c.seq, _S.c.payload, dialect="postgresql")
    stmt = stmt.order_by(stored.desc(), seq.desc()).limit(26)
    sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with engine.begin() as conn:
        if statistics:
            conn.exec_driver_sql("ANALYZE lrs_statement")
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'lrs_statement'"
        ).scalar()
        assert bool(held) == statistics
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {sql}").scalars())


@pytest.mark.parametrize(
    "query",
    [
        StatementQuery(agent={"account": {"homePage": HOME, "name": "u7"}}),
        StatementQuery(learner="u7"),
        StatementQuery(registration="00000000-0000-4000-8000-000000000007"),
        StatementQuery(
            agent={"account": {"homePage": HOME, "name": "u7"}},
            verb="http://adlnet.gov/expapi/verbs/v2",
        ),
    ],
    ids=["agent", "learner", "registration", "agent-and-verb"],
)
def test_one_persons_statements_are_read_through_the_gin_index(filled, query):
    plan = _plan(filled, query)
    assert "ix_lrs_statement_lookup" in plan
    assert "ix_lrs_statement_stored" not in plan


def test_with_statistics_a_common_key_walks_the_stored_index_newest_first(filled):
    """A verb shared by a fifth of the store: the newest 26 are found by walking time.

    (Last in this module: it leaves the store with statistics.)

    Without statistics the planner reads all of them through the GIN index and sorts them,
    which is why an import and the key migration end with ANALYZE (autovacuum does it too).
    """
    verb = StatementQuery(verb="http://adlnet.gov/expapi/verbs/v2")
    assert "Index Scan Backward" not in _plan(filled, verb)
    plan = _plan(filled, verb, statistics=True)
    assert "Index Scan Backward using ix_lrs_statement_stored" in plan
