"""What operators see of a queue, and a sender's thread: started, woken, stopped."""

from __future__ import annotations

import threading

from tests.xapi.queue.conftest import ITEMS, add_items, c
from xapi.queue import Leasing, Worker, aware, settle, status, utcnow


def test_counts_per_group_and_state_and_the_age_of_the_oldest_pending_row(qdb):
    add_items(qdb, "ab", scope=1, age_seconds=600)
    first, _ = add_items(qdb, "cd", scope=2, age_seconds=60)
    add_items(qdb, "e", scope=2, age_seconds=5)
    postgresql = qdb.engine.dialect.name == "postgresql"
    with qdb.transaction() as session:
        lease = Leasing(ITEMS, postgresql=postgresql).lease(
            session, token="t", batch_size=2, lease_seconds=30, scope=2
        )
        settle.dead(session, ITEMS, first, "t", "HTTP 400: bad")
        settle.release(session, ITEMS, [row[0] for row in lease.rows[1:]], "t")
    now = utcnow()
    with qdb.sessions() as session:
        counted = status.counts(session, ITEMS, [c.scope])
        oldest = status.oldest_pending(session, ITEMS, [c.scope], c.created_at, now)
        by_pair = status.counts(session, ITEMS, [c.scope, c.key])
    assert counted == {1: {"pending": 2}, 2: {"pending": 2, "dead": 1}}
    assert 600 <= oldest[1] < 620 and 60 <= oldest[2] < 80
    assert by_pair[(2, "c")] == {"dead": 1}


def test_aware_reads_naive_times_as_utc():
    now = utcnow()
    assert aware(now.replace(tzinfo=None)) == now
    assert aware(now) is now and aware(None) is None


class Ticker(Worker):
    thread_name = "test-ticker"

    def __init__(self):
        super().__init__()
        self.ticks = 0

    def run(self):
        while not self._stop.is_set():
            self.ticks += 1
            self._wake.wait(10)
            self._wake.clear()


def test_a_worker_runs_in_its_named_thread_until_stopped_then_cleans_up():
    ticker, cleaned = Ticker(), threading.Event()
    thread = ticker.start(then=cleaned.set)
    assert thread.name == "test-ticker" and thread.daemon and ticker.running
    ticker.stop(5)  # wakes the ten-second wait at once
    assert not ticker.running and cleaned.is_set() and ticker.ticks == 1
