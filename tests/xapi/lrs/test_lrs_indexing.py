"""Lookup keys indexed in bulk on SQLite: readers never miss a statement that is still waiting."""

import pytest

from xapi.lrs import (
    StatementQuery,
    authority_for,
    indexing,
    lookup_keys,
    query_statements,
    store_statements,
)
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


def _lookup_arrays(engine, ids):
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, lookup FROM lrs_statement WHERE id = ANY(%s)", (list(ids),)
        ).all()
    return dict(rows)


def test_keys_are_written_in_bulk_on_sqlite_and_with_the_statement_on_postgresql(
    engine, make_statement, monkeypatch, db_kind
):
    indexing.ensure_indexed(engine)
    monkeypatch.setattr(indexing, "INDEX_AFTER_SECONDS", 10**9)
    monkeypatch.setattr(indexing, "INDEX_AFTER_STATEMENTS", 25)
    statements = [make_statement() for _ in range(20)]
    first = store_statements(engine, statements, authority=AUTHORITY)
    if db_kind == "postgresql":
        # No key rows: each statement row holds its keys, direct ones as ~h.
        assert _key_rows(engine, first) == 0
        held = _lookup_arrays(engine, first)
        for statement in statements:
            keys = lookup_keys.statement_keys(statement)
            assert sorted(held[statement["id"]]) == sorted(lookup_keys.lookup_entries(keys))
            assert len(keys) >= 4  # agent, learner, activity, verb at least
        return
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


@pytest.fixture
def sqlite_engine(tmp_path):
    """A SQLite store of its own whatever --db says: the bulk index exists only on SQLite."""
    from lti_tool import schema
    from lti_tool.db import make_engine

    url = f"sqlite:///{tmp_path / 'bulk-index.db'}"
    schema.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _key_rows_of(engine, statement_id):
    with engine.connect() as conn:
        return set(
            conn.exec_driver_sql(
                "SELECT k.h, k.direct FROM lrs_statement_key k "
                "JOIN lrs_statement s ON s.seq = k.seq WHERE s.id = ?",
                (statement_id,),
            ).all()
        )


def _store_keys_unindexed(engine, statement_id, key_text):
    """Replace a stored statement's keys by `key_text` and leave it waiting for the index."""
    with engine.begin() as conn:
        seq = conn.exec_driver_sql(
            "SELECT seq FROM lrs_statement WHERE id = ?", (statement_id,)
        ).scalar_one()
        conn.exec_driver_sql("DELETE FROM lrs_statement_key WHERE seq = ?", (seq,))
        conn.exec_driver_sql(
            "UPDATE lrs_statement SET key_hashes = ? WHERE seq = ?", (key_text, seq)
        )
        conn.exec_driver_sql("UPDATE lrs_index_mark SET seq = ? WHERE id = 1", (seq - 1,))


def test_statements_whose_keys_were_stored_in_the_earlier_text_form_are_still_indexed(
    sqlite_engine, make_statement, waiting
):
    """Stores written before keys were kept as JSON hold them as `h` / `hd` comma lists."""
    statement = make_statement()
    (sid,) = store_statements(sqlite_engine, [statement], authority=AUTHORITY)
    indexing.ensure_indexed(sqlite_engine)
    found = {h: bool(d) for h, d in _key_rows_of(sqlite_engine, sid)}
    assert len(found) >= 4
    earlier_form = ",".join(f"{h}d" if d else str(h) for h, d in found.items())
    _store_keys_unindexed(sqlite_engine, sid, earlier_form)
    assert _key_rows_of(sqlite_engine, sid) == set()
    page = query_statements(sqlite_engine, StatementQuery(agent=statement["actor"]))
    assert [s["id"] for s in page.statements()] == [sid]
    assert {h: bool(d) for h, d in _key_rows_of(sqlite_engine, sid)} == found


def test_the_extreme_64_bit_key_hashes_are_indexed_exactly(sqlite_engine, make_statement, waiting):
    (sid,) = store_statements(sqlite_engine, [make_statement()], authority=AUTHORITY)
    extremes = {-(2**63): True, 2**63 - 1: False, -1: True, 0: False}
    _store_keys_unindexed(sqlite_engine, sid, lookup_keys.encode_keys(extremes))
    indexing.ensure_indexed(sqlite_engine)
    assert _key_rows_of(sqlite_engine, sid) == {(h, int(d)) for h, d in extremes.items()}
