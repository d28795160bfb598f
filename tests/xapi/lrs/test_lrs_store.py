import pytest

from xapi.lrs import authority_for, get_statement, store_statements
from xapi.lrs.errors import BadRequest, Conflict

AUTHORITY = authority_for("store-test", "store test", "https://leadpath.example")


def test_store_sets_lrs_fields_and_keeps_a_given_timestamp_in_utc(engine, make_statement):
    statement = make_statement(timestamp="2024-05-01T12:00:00+01:00")
    (sid,) = store_statements(engine, [statement], authority=AUTHORITY)
    held, voided = get_statement(engine, sid)
    assert not voided and held["timestamp"] == "2024-05-01T11:00:00Z"
    assert held["authority"] == AUTHORITY and held["version"] == "1.0.0"


def test_client_authority_is_replaced_by_the_credential(engine, make_statement):
    statement = make_statement(authority={"mbox": "mailto:liar@example.org"})
    (sid,) = store_statements(engine, [statement], authority=AUTHORITY)
    assert get_statement(engine, sid)[0]["authority"] == AUTHORITY


def test_restoring_an_equal_statement_is_a_no_op(engine, make_statement, new_id):
    sid = new_id()
    store_statements(engine, [make_statement(id=sid)], authority=AUTHORITY)
    again = make_statement(id=sid.upper(), version="1.0.3")
    again["context"] = {"contextActivities": {}}
    with pytest.raises(Conflict):
        store_statements(engine, [again], authority=AUTHORITY)
    assert store_statements(engine, [make_statement(id=sid.upper())], authority=AUTHORITY)


def test_a_statement_sent_again_with_a_finer_duration_is_the_same_statement(
    engine, make_statement, new_id
):
    """Data 4.6: precision beyond 0.01 s is not included when statements are compared."""
    sid = new_id()
    store_statements(
        engine, [make_statement(id=sid, result={"duration": "PT4.12S"})], authority=AUTHORITY
    )
    again = make_statement(id=sid, result={"duration": "PT4.1299S"})
    assert store_statements(engine, [again], authority=AUTHORITY) == [sid]
    assert get_statement(engine, sid)[0]["result"]["duration"] == "PT4.12S"
    with pytest.raises(Conflict):
        store_statements(
            engine, [make_statement(id=sid, result={"duration": "PT4.13S"})], authority=AUTHORITY
        )


def test_a_conflict_in_a_batch_stores_nothing(engine, make_statement, new_id):
    sid, fresh = new_id(), new_id()
    store_statements(engine, [make_statement(id=sid)], authority=AUTHORITY)
    with pytest.raises(Conflict, match=r"statement\[1\]\.id"):
        store_statements(
            engine,
            [make_statement(id=fresh), make_statement(id=sid, verb="x")],
            authority=AUTHORITY,
        )
    assert get_statement(engine, fresh) is None


def test_a_voiding_statement_marks_its_target(engine, make_statement):
    (target,) = store_statements(engine, [make_statement()], authority=AUTHORITY)
    voiding = make_statement(object={"objectType": "StatementRef", "id": target})
    voiding["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    (voider,) = store_statements(engine, [voiding], authority=AUTHORITY)
    assert get_statement(engine, target)[1] is True
    assert get_statement(engine, voider)[1] is False
    refused = make_statement(object={"objectType": "StatementRef", "id": voider})
    refused["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    with pytest.raises(BadRequest, match="cannot void another voiding"):
        store_statements(engine, [refused], authority=AUTHORITY)


def test_invalid_statements_store_nothing(engine, make_statement, new_id):
    good = make_statement(id=new_id())
    with pytest.raises(BadRequest):
        store_statements(engine, [good, {"actor": {}}], authority=AUTHORITY)
    assert get_statement(engine, good["id"]) is None


def test_activity_definitions_are_kept_and_updated(engine, make_statement):
    from xapi.lrs.query import get_activity

    statement = make_statement()
    store_statements(engine, [statement], authority=AUTHORITY)
    changed = make_statement()
    changed["object"]["definition"] = {"description": {"en-GB": "Rate yourself"}}
    store_statements(engine, [changed], authority=AUTHORITY)
    definition = get_activity(engine, statement["object"]["id"])["definition"]
    assert definition == {
        "name": {"en-GB": "Self-assessment"},
        "description": {"en-GB": "Rate yourself"},
    }


def test_concurrent_writers_of_one_id_all_succeed_when_equal(engine, make_statement, new_id):
    import threading

    sid = new_id()
    results, errors = [], []

    def write():
        try:
            results.append(store_statements(engine, [make_statement(id=sid)], authority=AUTHORITY))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results == [[sid]] * 6
    assert get_statement(engine, sid) is not None


def test_sqlite_wal_is_truncated_by_the_periodic_checkpoint(
    engine, make_statement, monkeypatch, db_kind
):
    import os

    from xapi.lrs import indexing

    monkeypatch.setattr(indexing, "CHECKPOINT_SECONDS", 0.0)
    store_statements(engine, [make_statement() for _ in range(20)], authority=AUTHORITY)
    if db_kind == "sqlite":
        assert os.path.getsize(engine.url.database + "-wal") == 0
    else:
        assert str(engine.url) not in indexing._LAST_CHECKPOINT


_WRITER = """
import json, sys, uuid
from lti_tool.db import make_engine
from xapi.lrs import authority_for, store_statements
engine = make_engine(sys.argv[1])
authority = authority_for("proc", "proc", "https://leadpath.example")
template = json.loads(sys.argv[2])
for _ in range(int(sys.argv[3])):
    batch = []
    for _ in range(50):
        statement = json.loads(json.dumps(template))
        statement["id"] = str(uuid.uuid4())
        batch.append(statement)
    store_statements(engine, batch, authority=authority)
"""


def test_two_processes_storing_at_once_into_one_database_lose_nothing(
    database_url, engine, make_statement, unique
):
    """Writers in separate processes (gunicorn workers) queue for the database and all succeed."""
    import json
    import subprocess
    import sys

    from xapi.lrs import StatementQuery, query_statements

    learner = f"two-procs-{unique}"
    template = make_statement(learner=learner)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, database_url, json.dumps(template), "8"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, errors = proc.communicate(timeout=120)
        assert proc.returncode == 0, errors
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT id) FROM lrs_statement WHERE payload LIKE ?"
            if engine.dialect.name == "sqlite"
            else "SELECT count(*), count(DISTINCT id) FROM lrs_statement WHERE payload LIKE %s",
            (f"%{learner}%",),
        ).one()
    assert tuple(stored) == (800, 800)
    newest = query_statements(engine, StatementQuery(agent=template["actor"], limit=5))
    assert len(newest.statements()) == 5


@pytest.fixture
def pg_engine(db_kind, engine, tmp_path):
    """The run's engine on PostgreSQL; with --db=sqlite, a fresh PostgreSQL database."""
    if db_kind == "postgresql":
        yield engine
        return
    from lti_tool.db import make_engine
    from tests.support.services import migrated_database

    with migrated_database("postgresql", tmp_path / "unused.db") as url:
        made = make_engine(url)
        yield made
        made.dispose()


def _store_while_another_inserts(engine, batch: list[dict], other: dict):
    """Store `batch` while another transaction has inserted `other` and not yet committed.

    The store waits on the other transaction's row (as it would for a concurrent request
    storing the same id); the other commits once the store is seen waiting.
    """
    import threading
    import time

    from xapi.lrs import jsonio, lookup_keys, store

    store.prepare([other], AUTHORITY)
    outcome: list = []
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "INSERT INTO lrs_statement (id, stored_us, voided, is_voiding, key_hashes, payload) "
            "VALUES (%s, 1, false, false, %s, %s)",
            (
                other["id"],
                lookup_keys.encode_keys(lookup_keys.statement_keys(other)),
                jsonio.dumps(other),
            ),
        )

        def run():
            try:
                outcome.append(store_statements(engine, batch, authority=AUTHORITY))
            except Exception as exc:  # noqa: BLE001 - the test looks at it
                outcome.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 20
        waiting = 0
        while not waiting and time.monotonic() < deadline:
            time.sleep(0.05)
            with engine.connect() as probe:
                waiting = probe.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).scalar()
        assert waiting, "the store never waited for the other transaction"
        conn.commit()
        thread.join(20)
    return outcome[0]


def test_a_statement_stored_meanwhile_with_the_same_content_is_accepted_once(
    pg_engine, make_statement, new_id
):
    sid, other_id = new_id(), new_id()
    batch = [make_statement(id=sid), make_statement(id=other_id, verb="completed")]
    assert _store_while_another_inserts(pg_engine, batch, make_statement(id=sid)) == [
        sid,
        other_id,
    ]
    with pg_engine.connect() as conn:
        held = conn.exec_driver_sql(
            "SELECT id, COUNT(*) FROM lrs_statement WHERE id IN (%s, %s) GROUP BY id",
            (sid, other_id),
        ).all()
    assert sorted(held) == sorted([(sid, 1), (other_id, 1)])


def test_a_statement_stored_meanwhile_with_other_content_fails_the_whole_batch(
    pg_engine, make_statement, new_id
):
    sid, other_id = new_id(), new_id()
    batch = [make_statement(id=other_id), make_statement(id=sid)]
    outcome = _store_while_another_inserts(
        pg_engine, batch, make_statement(id=sid, verb="completed")
    )
    assert isinstance(outcome, Conflict) and outcome.field == "statement[1].id"
    assert get_statement(pg_engine, other_id) is None
    assert get_statement(pg_engine, sid)[0]["verb"]["id"].endswith("/completed")
