"""Two forwarder processes on one PostgreSQL database never send the same statement at once."""

from __future__ import annotations

import signal
import time
from collections import Counter

from sqlalchemy import select

from lti_tool import schema
from lti_tool.db import Database
from tests.support.services import create_postgres_database, drop_postgres_database
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import forwarder_process, queued, statement, wait_for
from xapi.outbox import enqueue
from xapi.outbox.models import Destination

STATEMENTS = 3000


def destination_known(database: Database, name: str) -> bool:
    with database.sessions() as session:
        return session.scalar(select(Destination.id).where(Destination.name == name)) is not None


LEARNERS = 600  # many learners: a batch in flight holds back only its own learners


def test_two_forwarders_share_the_queue_without_sending_a_row_twice(tmp_path):
    url, name = create_postgres_database()
    lrs = LrsStandIn(delay=0.03)
    processes = []
    try:
        schema.upgrade(url)
        database = Database(url)
        # Both forwarders are running before the statements arrive, so both compete for them.
        processes = [forwarder_process(url, tmp_path, lrs.endpoint, lease=30) for _ in range(2)]
        wait_for(lambda: destination_known(database, "slow"), 60, "the forwarders to start")
        time.sleep(2)
        ids = []
        with database.transaction() as session:
            for n in range(STATEMENTS):
                learner = f"learner-{n % LEARNERS}"
                made = statement(learner, n=n)
                enqueue(session, [made], learner_key=learner)
                ids.append(made["id"])
        started = time.monotonic()
        wait_for(lambda: queued(database) == 0, 60, "both forwarders to finish")
        elapsed = time.monotonic() - started
        database.engine.dispose()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        exits = [process.wait(10) for process in processes]
        lrs.stop()
        drop_postgres_database(name)

    assert exits == [0, 0]
    assert lrs.overlaps == [], "a statement was in flight from both forwarders at once"
    assert set(lrs.stored) == set(ids)
    assert [i for i, n in Counter(lrs.receipts).items() if n > 1] == []
    position = {statement_id: n for n, statement_id in enumerate(lrs.store_order)}
    for learner in range(LEARNERS):
        mine = ids[learner::LEARNERS]
        assert sorted(mine, key=position.__getitem__) == mine
    senders = Counter(agent for agent, _ in lrs.senders)
    assert len(senders) == 2, f"one forwarder did all the work in {elapsed:.1f}s: {senders}"
