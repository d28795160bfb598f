"""The forwarder against a stand-in LRS that fails in every way an LRS can: nothing is lost."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, timedelta

from sqlalchemy import select

from tests.xapi.outbox.outbox_helpers import (
    BAD_VERB,
    FAST,
    drain,
    letters_of,
    pending,
    statement,
    status_of,
    wait_for,
)
from xapi.outbox import enqueue, retry
from xapi.outbox.models import Delivery, Destination, utcnow


def aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def queue_statements(outbox_db, issuer, learners=3, per_learner=10, bad_at=()):
    """Enqueue statements for several learners; return {learner: [ids in order]}, bad ids."""
    order, bad = {}, []
    with outbox_db.transaction() as session:
        for n in range(per_learner):
            for learner_no in range(learners):
                learner = f"{issuer}/learner-{learner_no}"
                is_bad = (learner_no, n) in bad_at
                made = statement(learner, BAD_VERB if is_bad else statement.__defaults__[0], n)
                enqueue(session, [made], learner_key=learner, platform_issuer=issuer)
                order.setdefault(learner, []).append(made["id"])
                if is_bad:
                    bad.append(made["id"])
    return order, bad


def assert_stored_once_in_order(standin, order, bad=()):
    wanted = [i for ids in order.values() for i in ids if i not in bad]
    assert sorted(standin.stored) == sorted(wanted), "a statement is missing or extra"
    duplicates = [i for i, n in Counter(standin.store_order).items() if n > 1]
    assert duplicates == []
    position = {statement_id: n for n, statement_id in enumerate(standin.store_order)}
    for learner, ids in order.items():
        sent = [i for i in ids if i not in bad]
        assert sorted(sent, key=position.__getitem__) == sent, f"order broken for {learner}"


def test_every_fault_in_turn_then_every_statement_is_stored_exactly_once(
    outbox_db, standin, destination, forwarder_for
):
    order, bad = queue_statements(outbox_db, destination["issuer"], bad_at={(1, 4)})
    already_held = order[f"{destination['issuer']}/learner-2"][0]
    standin.stored[already_held] = {"id": already_held}  # the LRS holds one already (409)
    standin.store_order.append(already_held)
    forwarder = forwarder_for(destination["name"])

    standin.stop()  # connection refused
    forwarder.run_once()
    standin.start()
    standin.script = [
        ("status", 500),
        ("status", 503, 0),
        ("status", 429),
        ("stall", 0.8),  # past the 0.5 s read timeout; the LRS stores it anyway
        ("status", 502),
    ]
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)

    statuses = set(standin.statuses())
    assert {500, 503, 429, 502, 400, 409, 200} <= statuses
    assert_stored_once_in_order(standin, order, bad)
    letters = letters_of(outbox_db, destination["name"])
    assert [letter["statement_id"] for letter in letters] == bad
    assert letters[0]["status"] == 400 and "unacceptable verb" in letters[0]["response"]
    report = status_of(outbox_db)
    mine = next(d for d in report["destinations"] if d["name"] == destination["name"])
    assert (mine["pending"], mine["dead"], mine["delivered"]) == (0, 1, 29)


def test_order_per_learner_is_kept_under_retries(outbox_db, standin, destination, forwarder_for):
    order, _ = queue_statements(outbox_db, destination["issuer"], learners=4, per_learner=12)
    standin.script = [("status", 500), "ok", ("stall", 0.8), ("status", 503, 0), "ok"] * 3
    forwarder = forwarder_for(destination["name"])
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    assert_stored_once_in_order(standin, order)


def test_retry_after_is_honoured(outbox_db, standin, destination, forwarder_for):
    order, _ = queue_statements(outbox_db, destination["issuer"], learners=1, per_learner=3)
    standin.script = [("status", 503, 1)]
    forwarder = forwarder_for(destination["name"])
    asked_at = utcnow()
    forwarder.run_once()
    with outbox_db.sessions() as session:
        waiting = session.scalars(
            select(Delivery.next_attempt_at)
            .join(Destination)
            .where(Destination.name == destination["name"], Delivery.attempts == 1)
        ).all()
    assert len(waiting) == 3
    assert all(aware(when) >= asked_at + timedelta(seconds=1) for when in waiting)
    started = time.monotonic()
    while time.monotonic() - started < 0.8:
        forwarder.run_once()
        time.sleep(0.05)
    assert standin.statuses() == [503], "a request went out before Retry-After had passed"
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    first, second = standin.requests[0][0], standin.requests[1][0]
    assert second - first >= 1.0
    assert_stored_once_in_order(standin, order)


def test_refused_credentials_pause_the_destination_until_resumed(
    outbox_db, standin, destination, forwarder_for
):
    order, _ = queue_statements(outbox_db, destination["issuer"], learners=2, per_learner=3)
    good = standin.credentials
    standin.credentials = "Basic wrong"
    forwarder = forwarder_for(destination["name"])
    forwarder.run_once()
    forwarder.run_once()
    assert standin.statuses() == [401], "a paused destination must not be tried again"

    report = status_of(outbox_db)
    mine = next(d for d in report["destinations"] if d["name"] == destination["name"])
    assert mine["paused"] and "401" in mine["pause_reason"]
    assert mine["pending"] == 6
    assert any(destination["name"] in alert and "paused" in alert for alert in report["alerts"])

    standin.credentials = good
    with outbox_db.transaction() as session:
        assert retry(session, destination["name"])["resumed"] == [destination["name"]]
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    assert_stored_once_in_order(standin, order)


def test_dead_letters_are_requeued_on_retry_dead(outbox_db, standin, destination, forwarder_for):
    order, bad = queue_statements(
        outbox_db, destination["issuer"], learners=1, per_learner=4, bad_at={(0, 2)}
    )
    forwarder = forwarder_for(destination["name"])
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    assert len(letters_of(outbox_db, destination["name"])) == 1
    with outbox_db.transaction() as session:
        assert retry(session, destination["name"], dead=True)["requeued"] == 1
    assert letters_of(outbox_db, destination["name"]) == []
    assert pending(outbox_db, destination["name"]) == 1
    drain(forwarder, lambda: len(letters_of(outbox_db, destination["name"])) == 1)
    assert_stored_once_in_order(standin, order, bad)


def test_the_threaded_forwarder_keeps_order_and_retry_after_with_batches_in_flight(
    outbox_db, standin, destination, forwarder_for
):
    order, bad = queue_statements(
        outbox_db, destination["issuer"], learners=6, per_learner=20, bad_at={(2, 7)}
    )
    standin.script = ["ok", ("status", 503, 1), "ok", ("status", 500), ("stall", 0.8), "ok"]
    forwarder = forwarder_for(destination["name"], config=replace(FAST, lanes=2))
    forwarder.start()
    try:
        wait_for(
            lambda: (
                pending(outbox_db, destination["name"]) == 0
                and len(letters_of(outbox_db, destination["name"])) == 1
            ),
            20,
            "the threaded forwarder to drain the queue",
        )
    finally:
        forwarder.stop(5)
    assert not forwarder.running
    assert_stored_once_in_order(standin, order, bad)
    throttled_at = next(when for when, status, _ in standin.requests if status == 503)
    too_soon = [
        status
        for when, status, _ in standin.requests
        if throttled_at + 0.1 < when < throttled_at + 0.9
    ]
    assert too_soon == [], "a batch went out before Retry-After had passed"
