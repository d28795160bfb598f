"""Linking after the outbox has forgotten delivered statements still re-issues all of them.

The former learner's statements are read back from the embedded LRS (and what the outbox
still holds), so pruning loses nothing: every statement naming the former account — as actor,
or in an extension within one of its attempts, as a supervisor's or rater's does — is voided
and re-issued under the surviving account.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool.retention import prune
from lti_tool.workers import embedded_sink
from tests.support.grade_helpers import complete_one
from tests.support.identity_helpers import enter_code, get_code, open_session, user_of
from tests.support.lti_helpers import make_platform
from tests.support.services import migrated_database
from tests.xapi.outbox.outbox_helpers import FAST, drain, queued
from xapi.lrs import StatementQuery, query_statements
from xapi.outbox import Forwarder, enqueue
from xapi.outbox.models import OutboxStatement
from xapi.queue import utcnow

BASE = "http://localhost"
LEARNER_EXTENSION = f"{BASE}/xapi/profile/extensions/learner"
REISSUED = f"{BASE}/xapi/profile/extensions/reissued-from"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@pytest.fixture
def fresh_url(db_kind, tmp_path):
    with migrated_database(db_kind, tmp_path / "fresh.db") as url:
        yield url


def _forward(db) -> None:
    forwarder = Forwarder(db.sessions, FAST, embedded=embedded_sink(db.sessions, BASE))
    forwarder.prepare()
    try:
        drain(forwarder, lambda: queued(db) == 0)
    finally:
        forwarder.close()


def _queued(db, learner: str | None = None) -> list[dict]:
    query = select(OutboxStatement.body).order_by(OutboxStatement.seq)
    if learner is not None:
        query = query.where(OutboxStatement.learner_key == learner)
    with db.sessions() as session:
        return [json.loads(body) for body in session.scalars(query)]


def _names(node, account: dict) -> bool:
    """Return True when the account appears anywhere in a statement."""
    if isinstance(node, dict):
        return node == account or any(_names(value, account) for value in node.values())
    if isinstance(node, list):
        return any(_names(item, account) for item in node)
    return False


def _by_another_about(completed: dict, account: dict) -> dict:
    """A statement another person makes in the learner's attempt, naming them in an extension."""
    made = copy.deepcopy(completed)
    made["id"] = str(uuid.uuid4())
    made["actor"] = {"objectType": "Agent", "account": {"homePage": BASE, "name": "supervisor"}}
    made["context"]["extensions"][LEARNER_EXTENSION] = {"objectType": "Agent", "account": account}
    return made


def test_a_link_after_pruning_reissues_every_statement_from_the_embedded_lrs(
    make_app, fresh_url, unique
):
    app = make_app(database_url=fresh_url)
    db = app.extensions["leadpath.db"]
    client = app.test_client()
    a = make_platform(unique + "a").register(db)
    b = make_platform(unique + "b").register(db)
    attempt_id = complete_one(client, b, "learner-b", None)
    former = user_of(db, b, "learner-b").learner_id
    account = {"homePage": BASE, "name": former}
    [completed] = [s for s in _queued(db, former) if s["verb"]["id"].endswith("/completed")]
    assert completed["context"]["registration"] == attempt_id
    with db.transaction() as session:
        enqueue(
            session,
            [_by_another_about(completed, account)],
            learner_key=former,
            platform_issuer=b.issuer,
            course_id="course-1",
        )
    open_session(client, a, "learner-a")  # A's launch is the outbox's newest statement
    _forward(db)
    before = [s for s in _queued(db) if _names(s, account)]
    assert len(before) >= 5

    report = prune(db.engine, app.config["LEADPATH"], now=utcnow() + timedelta(days=31))
    assert report[0]["rows"] >= len(before)
    assert _queued(db, former) == [], "the outbox has forgotten B's statements"

    token_a = open_session(client, a, "learner-a")
    token_b = open_session(client, b, "learner-b")  # queued after pruning: still in the outbox
    [after_pruning] = [s for s in _queued(db, former) if s["verb"]["id"].endswith("/launched")]
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303

    queued = _queued(db, former)
    copies = [s for s in queued if REISSUED in s.get("context", {}).get("extensions", {})]
    voided = [s["object"]["id"] for s in queued if s["verb"]["id"] == VOIDED]
    originals = {s["id"] for s in before} | {after_pruning["id"]}
    assert {c["context"]["extensions"][REISSUED] for c in copies} == originals
    assert sorted(voided) == sorted(originals)
    surviving = {"homePage": BASE, "name": user_of(db, a, "learner-a").learner_id}
    assert all(_names(c, surviving) and not _names(c, account) for c in copies)
    by_supervisor = [c for c in copies if c["actor"]["account"]["name"] == "supervisor"]
    assert [c["context"]["extensions"][LEARNER_EXTENSION]["account"] for c in by_supervisor] == [
        surviving
    ]

    _forward(db)
    query = StatementQuery(registration=attempt_id, limit=0)
    found = query_statements(db.engine, query).statements()
    # xAPI returns the statements referring to those matched too: here the voiding ones
    in_lrs = {s["id"]: s for s in found if s["verb"]["id"] != VOIDED}
    in_attempt = {c["id"] for c in copies if c["context"].get("registration") == attempt_id}
    assert len(in_attempt) >= 3 and set(in_lrs) == in_attempt, "only the copies remain unvoided"
    assert not any(_names(s, account) for s in in_lrs.values())
