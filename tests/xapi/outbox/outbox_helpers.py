"""Helpers of the outbox tests: statements, queue counts, a drain loop, fast forwarder settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

from click.testing import CliRunner
from sqlalchemy import func, select

from lti_tool.cli import build
from lti_tool.db import Database
from xapi.outbox import Forwarder, ForwarderConfig, dead_letters, outbox_status
from xapi.outbox.models import PENDING, Delivery, Destination, OutboxStatement

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


def forwarder_process(database_url: str, data_dir, endpoint: str, lease=1) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update(
        {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_LOG_LEVEL": "WARNING",
            "LEADPATH_FORWARDER_LEASE_SECONDS": str(lease),
            "LEADPATH_FORWARDER_POLL_SECONDS": "0.05",
            "LEADPATH_FORWARDER_READ_TIMEOUT": "5",
            "LEADPATH_LRS_SLOW_ENDPOINT": endpoint,
            "LEADPATH_LRS_SLOW_KEY": "key",
            "LEADPATH_LRS_SLOW_SECRET": "secret",
        }
    )
    code = "from lti_tool.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "forwarder"], env=env, stderr=subprocess.DEVNULL
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def queued(database: Database) -> int:
    with database.sessions() as session:
        unrouted = session.scalar(select(func.count()).where(OutboxStatement.routed.is_(False)))
        waiting = session.scalar(select(func.count()).where(Delivery.status == PENDING))
    return unrouted + waiting


def runner_for(database_url, data_dir):
    """Return a function running a `leadpath` command on this database; it returns the output."""
    runner = CliRunner()
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}

    def _run(*args, code=0):
        result = runner.invoke(build(), list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return _run
