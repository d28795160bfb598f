"""Fixtures of the outbox tests: a database handle, a stand-in LRS, statements, a drain loop."""

from __future__ import annotations

import time
import uuid

import pytest
from lrs_standin import LrsStandIn

from lti_tool.db import Database
from xapi.outbox import Forwarder, ForwarderConfig, dead_letters, outbox_status
from xapi.outbox.destinations import add_destination
from xapi.outbox.models import PENDING, Delivery, Destination

FAST = ForwarderConfig(
    batch_size=10,
    connect_timeout=0.5,
    read_timeout=0.5,
    backoff_seconds=0.02,
    backoff_max_seconds=0.1,
    poll_seconds=0.05,
    lease_seconds=30,
)
GOOD_VERB = "http://adlnet.gov/expapi/verbs/answered"
BAD_VERB = "https://leadpath.example/verbs/bad"


def statement(learner: str, verb: str = GOOD_VERB, n: int = 0) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "http://localhost", "name": learner}},
        "verb": {"id": verb},
        "object": {"id": f"http://localhost/items/{n}"},
    }


@pytest.fixture
def outbox_db(database_url):
    database = Database(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def standin():
    lrs = LrsStandIn()
    yield lrs
    lrs.stop()


@pytest.fixture
def destination(outbox_db, standin, unique):
    """Add a destination for the stand-in that only takes statements from this test's issuer."""
    issuer = f"https://lms-{unique}.example"
    with outbox_db.transaction() as session:
        add_destination(
            session,
            name=f"lrs-{unique}",
            endpoint=standin.endpoint,
            key="key",
            secret="secret",
            platforms=[issuer],
        )
    return {"name": f"lrs-{unique}", "issuer": issuer}


def pending(database: Database, name: str) -> int:
    with database.sessions() as session:
        return (
            session.query(Delivery)
            .join(Destination, Destination.id == Delivery.destination_id)
            .filter(Destination.name == name, Delivery.status == PENDING)
            .count()
        )


def letters_of(database: Database, name: str) -> list[dict]:
    with database.sessions() as session:
        return dead_letters(session, name)


def status_of(database: Database) -> dict:
    with database.sessions() as session:
        return outbox_status(session)


def drain(forwarder: Forwarder, done, timeout: float = 20.0) -> None:
    """Run forwarder passes until `done()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    forwarder.route()
    while not done():
        assert time.monotonic() < deadline, "the forwarder did not finish in time"
        if not forwarder.run_once():
            time.sleep(0.02)


@pytest.fixture
def forwarder_for(outbox_db):
    made = []

    def _make(*names, config=FAST):
        forwarder = Forwarder(outbox_db.sessions, config, only=names)
        made.append(forwarder)
        return forwarder

    yield _make
    for forwarder in made:
        forwarder.close()
