"""SIGKILL the `leadpath forwarder` process mid-batch, restart it: nothing lost, nothing doubled."""

from __future__ import annotations

import signal
from collections import Counter

from lti_tool import schema
from lti_tool.db import Database
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import forwarder_process, queued, statement, wait_for
from xapi.outbox import enqueue

STATEMENTS = 2000
LEARNERS = 40


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
