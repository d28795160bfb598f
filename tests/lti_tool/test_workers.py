"""The app's background work: forwarder and grade sender threads, started and stopped by the app."""

from __future__ import annotations

import base64
import time

import pytest

from lti_tool.db import Database
from lti_tool.workers import FORWARDER_KEY, GRADES_KEY
from tests.support.services import migrated_database
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import statement
from xapi.lrs import create_credential
from xapi.outbox import enqueue
from xapi.outbox.destinations import add_destination


def wait_until(done, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def fresh_database_url(db_kind, tmp_path):
    """Return a migrated database of the run's kind holding no destination and no statement."""
    with migrated_database(db_kind, tmp_path / "fresh.db") as url:
        yield url


def test_the_background_thread_runs_only_when_asked_and_stops(make_app, fresh_database_url):
    assert "leadpath.forwarder" not in make_app(database_url=fresh_database_url).extensions
    app = make_app(
        database_url=fresh_database_url, forwarder_thread=True, forwarder_poll_seconds=0.05
    )
    forwarder = app.extensions["leadpath.forwarder"]
    grades = app.extensions["leadpath.grades"]
    assert forwarder.running and grades.running
    forwarder.stop(5)
    grades.stop(5)
    assert not forwarder.running and not grades.running


def _read_back(app, credential, statement_id: str) -> dict | None:
    key, secret = credential
    response = app.test_client().get(
        "/xapi/statements",
        query_string={"statementId": statement_id},
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
        },
    )
    return response.get_json() if response.status_code == 200 else None


def _queue(database, learner: str, count: int) -> list[str]:
    made = [statement(learner, n=n) for n in range(count)]
    with database.transaction() as session:
        enqueue(session, made, learner_key=learner)
    return [s["id"] for s in made]


def test_after_a_restart_the_embedded_lrs_still_receives_statements_beside_another_lrs(
    make_app, fresh_database_url, unique
):
    settings = {
        "database_url": fresh_database_url,
        "forwarder_thread": True,
        "forwarder_poll_seconds": 0.05,
    }
    database = Database(fresh_database_url)
    other = LrsStandIn()
    try:
        first = make_app(**settings)
        credential = create_credential(database.engine, f"reader-{unique}", ["all"])
        with database.transaction() as session:  # an LRS added while the forwarder runs
            add_destination(
                session, name="deanery", endpoint=other.endpoint, key="key", secret="secret"
            )
        before = _queue(database, f"learner-{unique}", 5)
        wait_until(
            lambda: (
                set(before) <= set(other.stored)
                and all(_read_back(first, credential, i) for i in before)
            ),
            "the first app's forwarder to deliver to both LRSs",
        )
        first.extensions[FORWARDER_KEY].stop(10)
        first.extensions[GRADES_KEY].stop(10)

        second = make_app(**settings)  # a restart: a new app and forwarder, the same database
        after = _queue(database, f"learner-{unique}", 5)
        wait_until(
            lambda: (
                set(after) <= set(other.stored)
                and all(_read_back(second, credential, i) for i in after)
            ),
            "the restarted forwarder to deliver to both LRSs",
        )
    finally:
        other.stop()
        database.engine.dispose()
    stored = _read_back(second, credential, after[-1])
    assert stored["actor"]["account"]["name"] == f"learner-{unique}"
