"""The outbox forgets a statement only once every LRS has it and the embedded LRS holds it.

Statements go through the real forwarder to the embedded LRS (in-process) and to an LRS on
loopback; pruning then runs as if a month had passed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from lti_tool.retention import prune
from lti_tool.retention.models import OUTBOX_DELIVERED, OUTBOX_STATEMENTS, pruned
from lti_tool.workers import embedded_sink
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import BAD_VERB, FAST, drain, queued, statement
from xapi.outbox import Forwarder, enqueue
from xapi.outbox.destinations import add_destination
from xapi.outbox.models import Delivery, Destination, OutboxStatement
from xapi.queue import utcnow


def _queue(store, learner: str, *made: dict) -> list[str]:
    with store.transaction() as session:
        enqueue(session, list(made), learner_key=learner)
    return [s["id"] for s in made]


def _forward(store, embedded: bool | None = None) -> None:
    sink = embedded_sink(store.sessions, "http://localhost")
    forwarder = Forwarder(store.sessions, replace(FAST, embedded=embedded), embedded=sink)
    forwarder.prepare()
    try:
        drain(forwarder, lambda: queued(store) == 0)
    finally:
        forwarder.close()


def _held(store) -> set[str]:
    with store.sessions() as session:
        return set(session.scalars(select(OutboxStatement.statement_id)))


def test_only_statements_every_lrs_has_and_the_embedded_lrs_holds_are_forgotten(
    store_app, store, unique
):
    other = LrsStandIn()
    try:
        with store.transaction() as session:
            add_destination(
                session, name=f"other-{unique}", endpoint=other.endpoint, key="key", secret="secret"
            )
        learner = f"learner-{unique}"
        delivered = _queue(store, learner, *(statement(learner, n=n) for n in range(5)))
        [refused] = _queue(store, learner, statement(learner, verb=BAD_VERB, n=9))
        _forward(store)
        # LEADPATH_FORWARDER_EMBEDDED=false: this one never reaches the embedded LRS
        [elsewhere] = _queue(store, learner, statement(learner, n=10))
        _forward(store, embedded=False)
        [newest] = _queue(store, learner, statement(learner, n=11))
        _forward(store, embedded=True)
    finally:
        other.stop()
    assert set(other.stored) >= set(delivered) | {elsewhere, newest}
    month_later = utcnow() + timedelta(days=31)
    settings = store_app.config["LEADPATH"]
    with store.sessions() as session:
        ids = dict(session.execute(select(Destination.name, Destination.id)).all())
        before = pruned(session.connection(), OUTBOX_DELIVERED)

    assert _held(store) >= set(delivered), "delivered last minute: kept for now"
    assert prune(store.engine, settings, batch=2)[0]["rows"] == 0

    preview = prune(store.engine, settings, dry_run=True, now=month_later, batch=2)
    report = prune(store.engine, settings, now=month_later, batch=2)
    assert report[0]["table"] == "outbox_statement"
    assert report[0]["rows"] == preview[0]["rows"] >= len(delivered)

    held = _held(store)
    assert held.isdisjoint(delivered)
    assert {refused, elsewhere, newest} <= held
    with store.sessions() as session:
        orphans = session.scalars(
            select(Delivery.id).where(Delivery.statement_seq.not_in(select(OutboxStatement.seq)))
        ).all()
        assert orphans == []
        conn = session.connection()
        assert pruned(conn, OUTBOX_STATEMENTS)[""] >= len(delivered)
        after = pruned(conn, OUTBOX_DELIVERED)
    for name in ("embedded", f"other-{unique}"):
        key = str(ids[name])
        assert after[key] - before.get(key, 0) == len(delivered), name
