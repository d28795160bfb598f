"""Leasing: due rows claimed under a token no other lease can take, in order within each key."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from datetime import timedelta

import pytest

from tests.xapi.queue.conftest import ITEMS, add_items, c, state
from xapi.queue import LeaseTokens, Leasing, settle, utcnow
from xapi.queue.settle import Settling


def leasing(qdb, heads_only=False) -> Leasing:
    postgresql = qdb.engine.dialect.name == "postgresql"
    return Leasing(ITEMS, postgresql=postgresql, returning=(c.payload,), heads_only=heads_only)


def lease_ids(qdb, token, batch_size=100, scope=1, heads_only=False, **kwargs) -> list[int]:
    with qdb.transaction() as session:
        lease = leasing(qdb, heads_only).lease(
            session,
            token=token,
            batch_size=batch_size,
            lease_seconds=30,
            scope=scope,
            **kwargs,
        )
    return [] if lease is None else [row[0] for row in lease.rows]


def test_a_lease_takes_the_due_rows_of_its_scope_in_order_and_no_one_else_gets_them(qdb):
    a1, b1, a2 = add_items(qdb, "aba")
    add_items(qdb, "c", scope=2)
    assert lease_ids(qdb, "t1") == [a1, b1, a2]
    assert lease_ids(qdb, "t2") == []
    assert {token for _, token, _, _ in state(qdb).values()} == {"t1", None}


def test_a_row_leased_elsewhere_holds_back_the_later_rows_of_its_key(qdb):
    a1, a2, b1, a3 = add_items(qdb, "aaba")
    assert lease_ids(qdb, "t1", batch_size=1) == [a1]
    assert lease_ids(qdb, "t2") == [b1]
    rows = state(qdb)
    assert rows[a2][1] is None and rows[a3][1] is None, "held-back rows are given back at once"


def test_a_row_waiting_for_its_retry_time_holds_back_its_key_until_then(qdb):
    a1, a2, b1 = add_items(qdb, "aab")
    lease_ids(qdb, "t1")
    with qdb.transaction() as session:
        settle.retry(session, ITEMS, [a1], "t1", "HTTP 500: down", utcnow() + timedelta(hours=1))
        settle.release(session, ITEMS, [a2, b1], "t1")
    assert lease_ids(qdb, "t2") == [b1]
    assert state(qdb)[a1][2:] == (1, "HTTP 500: down")
    later = utcnow() + timedelta(hours=2)  # t2's lease of b1 has run out by then too
    assert lease_ids(qdb, "t3", now=later) == [a1, a2, b1]


def test_heads_only_leases_the_first_pending_row_of_each_key(qdb):
    a1, a2, b1 = add_items(qdb, "aab")
    assert lease_ids(qdb, "t1", heads_only=True) == [a1, b1]
    assert lease_ids(qdb, "t2", heads_only=True) == []
    with qdb.transaction() as session:
        assert settle.done(session, ITEMS, a1, "t1")
    assert lease_ids(qdb, "t2", heads_only=True) == [a2]


def test_a_lease_that_ran_out_lets_another_token_take_its_rows(qdb):
    a1, b1 = add_items(qdb, "ab")
    assert lease_ids(qdb, "t1") == [a1, b1]
    later = utcnow() + timedelta(seconds=31)
    assert lease_ids(qdb, "t2", now=later) == [a1, b1]
    with qdb.transaction() as session:
        assert not settle.done(session, ITEMS, a1, "t1"), "the late answer changes nothing"
        assert not settle.dead(session, ITEMS, b1, "t1", "HTTP 400: no")
        settle.retry(session, ITEMS, [a1, b1], "t1", "late", utcnow())
    assert {row[:3] for row in state(qdb).values()} == {("pending", "t2", 0)}


def test_a_whole_lease_is_settled_by_its_token_and_range_leaving_rows_settled_before(qdb):
    a1, a2, b1, b2 = add_items(qdb, "aabb")
    settling = Settling(ITEMS, done_at=ITEMS.now())
    with qdb.transaction() as session:
        lease = leasing(qdb).lease(session, token="t1", batch_size=10, lease_seconds=30, scope=1)
        assert settle.dead(session, ITEMS, b1, "t1", "HTTP 400: bad", payload="kept")
        settling.done_lease(session, lease, utcnow())
    rows = state(qdb)
    assert [rows[i][0] for i in (a1, a2, b1, b2)] == ["done", "done", "dead", "done"]
    assert rows[b1][2:] == (1, "HTTP 400: bad") and rows[a1][2:] == (0, None)
    assert all(row[1] is None for row in rows.values()), "settling ends the lease"


def test_release_and_postpone_give_rows_back_without_counting_an_attempt(qdb):
    a1, b1 = add_items(qdb, "ab")
    lease_ids(qdb, "t1")
    with qdb.transaction() as session:
        settle.release(session, ITEMS, [a1], "t1")
        settle.postpone(session, ITEMS, [b1], "t1", utcnow() + timedelta(hours=1))
    assert lease_ids(qdb, "t2") == [a1]
    assert state(qdb)[b1] == ("pending", None, 0, None)


def test_requeued_dead_rows_start_afresh_and_make_due_counts_only_rows_that_waited(qdb):
    a1, b1, c1 = add_items(qdb, "abc")
    lease_ids(qdb, "t1")
    with qdb.transaction() as session:
        settle.dead(session, ITEMS, a1, "t1", "HTTP 422: no")
        settle.retry(session, ITEMS, [b1], "t1", "HTTP 503", utcnow() + timedelta(hours=1))
        settle.release(session, ITEMS, [c1], "t1")
    with qdb.transaction() as session:
        assert settle.make_due(session, ITEMS, utcnow()) == 1
        assert settle.requeue_dead(session, ITEMS, utcnow(), payload="again") == 1
    rows = state(qdb)
    assert rows[a1] == ("pending", None, 0, "HTTP 422: no")
    assert lease_ids(qdb, "t2") == [a1, b1, c1]


def test_tokens_are_unique_and_fit_the_token_column_whatever_the_host_name(monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "h" * 64)
    tokens = LeaseTokens()
    made = {tokens.new() for _ in range(1000)}
    assert len(made) == 1000
    assert max(map(len, made)) <= 64
    assert all(token.startswith(tokens.worker_id + ":") for token in made)


@pytest.mark.parametrize("heads_only", [False, True], ids=["prefix", "heads"])
def test_concurrent_senders_never_hold_a_row_at_once_and_keep_order_per_key(qdb, heads_only):
    keys = "".join(random.Random(7).choice("abcdefghij") for _ in range(300))
    ids = add_items(qdb, keys)
    key_of = dict(zip(ids, keys, strict=True))
    settling = Settling(ITEMS, done_at=ITEMS.now())
    held: set[int] = set()
    overlaps: list[int] = []
    finished: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def sender() -> None:
        tokens = LeaseTokens()
        try:
            while True:
                with qdb.transaction() as session:
                    lease = leasing(qdb, heads_only).lease(
                        session, token=tokens.new(), batch_size=7, lease_seconds=30, scope=1
                    )
                if lease is None:
                    with qdb.sessions() as session:
                        left = session.execute(
                            ITEMS.table.select().where(c.status == "pending")
                        ).first()
                    if left is None:
                        return
                    time.sleep(0.005)
                    continue
                mine = [row[0] for row in lease.rows]
                with lock:
                    overlaps.extend(i for i in mine if i in held)
                    held.update(mine)
                    for row_id in mine:
                        finished[key_of[row_id]].append(row_id)
                with qdb.transaction() as session:
                    settling.done_lease(session, lease, utcnow())
                with lock:
                    held.difference_update(mine)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert overlaps == [], "a row was leased by two senders at once"
    assert sorted(i for done in finished.values() for i in done) == ids
    for key, done in finished.items():
        assert done == sorted(done), f"rows of key {key} were handed over out of order"
    assert {row[0] for row in state(qdb).values()} == {"done"}
