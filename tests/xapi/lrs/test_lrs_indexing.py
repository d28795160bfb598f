"""Lookup keys indexed in bulk on SQLite: readers never miss a statement that is still waiting."""

import pytest

from xapi.lrs import StatementQuery, authority_for, indexing, query_statements, store_statements
from xapi.lrs.transfer import erase_agent

AUTHORITY = authority_for("indexing-test", "indexing test", "https://leadpath.example")


@pytest.fixture
def waiting(monkeypatch):
    """Keep every newly stored statement waiting for the bulk index until something reads."""
    monkeypatch.setattr(indexing, "INDEX_AFTER_STATEMENTS", 10**9)
    monkeypatch.setattr(indexing, "INDEX_AFTER_SECONDS", 10**9)
    monkeypatch.setattr(indexing, "_LAST_INDEXED", {})


def _mark_and_last(engine):
    with engine.connect() as conn:
        return tuple(conn.exec_driver_sql(indexing._PENDING).one())


def test_a_query_finds_statements_that_still_wait_for_the_index(
    engine, make_statement, waiting, db_kind
):
    indexing.ensure_indexed(engine)
    statements = [make_statement(verb=f"v{n}") for n in range(30)]
    ids = store_statements(engine, statements, authority=AUTHORITY)
    mark, last = _mark_and_last(engine)
    if db_kind == "sqlite":
        assert last - mark == 30  # stored, their key rows not yet written
    page = query_statements(engine, StatementQuery(agent=statements[0]["actor"], limit=100))
    assert sorted(s["id"] for s in page.statements()) == sorted(ids)
    if db_kind == "sqlite":
        mark, last = _mark_and_last(engine)
        assert mark == last


def _key_rows(engine, ids):
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT count(*) FROM lrs_statement_key k JOIN lrs_statement s ON s.seq = k.seq "
            f"WHERE s.id IN ({', '.join([marker] * len(ids))})",
            tuple(ids),
        ).scalar_one()


def test_keys_are_written_in_bulk_on_sqlite_and_at_once_on_postgresql(
    engine, make_statement, monkeypatch, db_kind
):
    indexing.ensure_indexed(engine)
    monkeypatch.setattr(indexing, "INDEX_AFTER_SECONDS", 10**9)
    monkeypatch.setattr(indexing, "INDEX_AFTER_STATEMENTS", 25)
    first = store_statements(engine, [make_statement() for _ in range(20)], authority=AUTHORITY)
    if db_kind == "sqlite":
        assert _key_rows(engine, first) == 0
        store_statements(engine, [make_statement() for _ in range(10)], authority=AUTHORITY)
        mark, last = _mark_and_last(engine)
        assert mark == last
    assert _key_rows(engine, first) >= 20 * 4  # agent, learner, activity, verb at least


def test_erasing_an_agent_removes_statements_that_still_wait_for_the_index(
    engine, make_statement, waiting
):
    indexing.ensure_indexed(engine)
    statements = [make_statement() for _ in range(5)]
    store_statements(engine, statements, authority=AUTHORITY)
    erased, _ = erase_agent(engine, statements[0]["actor"], "dpo@example.org", "REQ-1")
    assert erased == 5
    page = query_statements(engine, StatementQuery(agent=statements[0]["actor"]))
    assert page.statements() == []


def test_statements_stored_after_erasing_the_newest_ones_are_found(
    engine, make_statement, waiting, unique
):
    """SQLite hands erased rows' sequence numbers out again; the index must still take them."""
    erased = make_statement()
    store_statements(engine, [erased], authority=AUTHORITY)
    erase_agent(engine, erased["actor"], "dpo@example.org", "REQ-2")
    later = make_statement(learner=f"later-{unique}")
    (sid,) = store_statements(engine, [later], authority=AUTHORITY)
    page = query_statements(engine, StatementQuery(agent=later["actor"]))
    assert [s["id"] for s in page.statements()] == [sid]
