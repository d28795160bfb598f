"""SIGKILL the `leadpath forwarder` process mid-batch, restart it: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from lrs_standin import LrsStandIn
from outbox_helpers import statement
from sqlalchemy import func, select

from lti_tool import schema
from lti_tool.db import Database
from xapi.outbox import enqueue
from xapi.outbox.models import PENDING, Delivery, OutboxStatement

STATEMENTS = 2000
LEARNERS = 40


def forwarder_process(database_url: str, data_dir, endpoint: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update(
        {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_LOG_LEVEL": "WARNING",
            "LEADPATH_FORWARDER_LEASE_SECONDS": "1",
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


def test_a_killed_forwarder_restarts_without_losing_or_doubling_statements(tmp_path):
    url = f"sqlite:///{tmp_path / 'leadpath.db'}"
    schema.upgrade(url)
    database = Database(url)
    lrs = LrsStandIn(delay=0.05)
    ids = []
    with database.transaction() as session:
        for n in range(STATEMENTS):
            made = statement(f"learner-{n % LEARNERS}", n=n)
            enqueue(session, [made], learner_key=f"learner-{n % LEARNERS}")
            ids.append(made["id"])
    first = forwarder_process(url, tmp_path, lrs.endpoint)
    try:
        wait_for(lambda: len(lrs.stored) >= 300 and +lrs.in_flight, 30, "a batch in flight")
        first.send_signal(signal.SIGKILL)
        assert first.wait(5) == -signal.SIGKILL
        assert 0 < len(lrs.stored) < STATEMENTS

        second = forwarder_process(url, tmp_path, lrs.endpoint)
        try:
            wait_for(lambda: queued(database) == 0, 40, "the restarted forwarder to finish")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(10) == 0
    finally:
        first.kill()
        lrs.stop()
        database.engine.dispose()

    assert set(lrs.stored) == set(ids), "a statement was lost"
    assert [i for i, n in Counter(lrs.store_order).items() if n > 1] == []
    position = {statement_id: n for n, statement_id in enumerate(lrs.store_order)}
    for learner in range(LEARNERS):
        mine = ids[learner::LEARNERS]
        assert sorted(mine, key=position.__getitem__) == mine
