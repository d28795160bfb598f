"""Fixtures of the outbox tests: a database handle, a stand-in LRS and its destination."""

from __future__ import annotations

import pytest

from lti_tool.db import Database
from tests.support.services import migrated_database
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import FAST
from xapi.outbox import Forwarder
from xapi.outbox.destinations import add_destination


@pytest.fixture
def outbox_db(database_url):
    database = Database(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def fresh_database_url(db_kind, tmp_path):
    """Return a migrated database of the run's kind holding no destination and no statement."""
    with migrated_database(db_kind, tmp_path / "fresh.db") as url:
        yield url


@pytest.fixture
def fresh_db(fresh_database_url):
    database = Database(fresh_database_url)
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
