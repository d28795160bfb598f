"""Statements are written in the caller's transaction: with its state change, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.models import Learner
from tests.xapi.outbox.outbox_helpers import statement
from xapi.outbox import enqueue
from xapi.outbox.models import OutboxStatement


class Boom(Exception):
    pass


def outbox_ids(database, ids):
    with database.sessions() as session:
        return set(
            session.scalars(
                select(OutboxStatement.statement_id).where(OutboxStatement.statement_id.in_(ids))
            )
        )


def test_a_rolled_back_transaction_leaves_no_statement_and_no_state_change(outbox_db, unique):
    made = [statement(unique), statement(unique)]
    with pytest.raises(Boom), outbox_db.transaction() as session:
        session.add(Learner(id=f"learner-{unique}"))
        enqueue(session, made, learner_key=unique)
        session.flush()
        raise Boom
    with outbox_db.sessions() as session:
        assert session.get(Learner, f"learner-{unique}") is None
    assert outbox_ids(outbox_db, [s["id"] for s in made]) == set()


def test_a_committed_transaction_holds_both_the_state_change_and_its_statements(outbox_db, unique):
    made = [statement(unique), statement(unique)]
    with outbox_db.transaction() as session:
        session.add(Learner(id=f"learner-{unique}"))
        ids = enqueue(session, made, learner_key=unique, platform_issuer="iss", course_id="c1")
    assert ids == [s["id"] for s in made]
    with outbox_db.sessions() as session:
        assert session.get(Learner, f"learner-{unique}") is not None
        rows = session.scalars(
            select(OutboxStatement).where(OutboxStatement.statement_id.in_(ids))
        ).all()
    assert {(r.learner_key, r.platform_issuer, r.course_id) for r in rows} == {
        (unique, "iss", "c1")
    }
    assert sorted(r.seq for r in rows) == [r.seq for r in sorted(rows, key=lambda r: r.seq)]


def test_enqueue_does_not_commit(outbox_db, unique):
    made = statement(unique)
    session = outbox_db.sessions()
    try:
        enqueue(session, [made], learner_key=unique)
        assert session.in_transaction()
        assert outbox_ids(outbox_db, [made["id"]]) == set()  # invisible to others until commit
        session.commit()
        assert outbox_ids(outbox_db, [made["id"]]) == {made["id"]}
    finally:
        session.close()


def test_a_statement_without_an_id_gets_one(outbox_db, unique):
    made = statement(unique)
    del made["id"]
    with outbox_db.transaction() as session:
        (new_id,) = enqueue(session, [made], learner_key=unique)
    assert "id" not in made
    assert outbox_ids(outbox_db, [new_id]) == {new_id}
