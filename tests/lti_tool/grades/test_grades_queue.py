"""The grade outbox: leases keep senders apart, and only the head of a lane is sent."""

from datetime import timedelta

import pytest

from lti_tool.grades.models import PENDING, SENT, GradeScore
from lti_tool.grades.queue import lane_of, lease_due, mark_retry, mark_sent
from lti_tool.models import utcnow


@pytest.fixture
def rows(db, unique):
    """Queue two scores of one lane and one of another; return their ids in that order."""
    platform_id = int(unique[:7], 16)
    made = []
    with db.transaction() as session:
        for user in ("u1", "u1", "u2"):
            row = GradeScore(
                platform_id=platform_id,
                issuer=f"https://lms-{unique}.example.test",
                client_id="c",
                lineitem="https://lms/lineitems/1/lineitem",
                user_id=user,
                lane=lane_of(platform_id, "https://lms/lineitems/1/lineitem", user),
                body={"userId": user},
                status=PENDING,
                attempts=0,
                created_at=utcnow(),
                next_attempt_at=utcnow(),
            )
            session.add(row)
            session.flush()
            made.append(row.id)
    return made


def _lease(db, owner, mine, **kwargs):
    with db.transaction() as session:
        return [r.id for r in lease_due(session, owner, 1000, 30.0, **kwargs) if r.id in mine]


def test_a_leased_score_is_not_leased_again_and_a_lane_waits_for_its_head(db, rows):
    first, second, other_lane = rows
    assert _lease(db, "sender-a", rows) == [first, other_lane]
    assert _lease(db, "sender-b", rows) == []

    with db.transaction() as session:
        mark_sent(session, first, "sender-b", 200, "")  # not its lease: nothing changes
    assert _lease(db, "sender-b", rows) == []
    with db.transaction() as session:
        mark_sent(session, first, "sender-a", 200, "")
    assert _lease(db, "sender-b", rows) == [second]
    with db.sessions() as session:
        assert session.get(GradeScore, first).status == SENT


def test_a_lease_that_ran_out_lets_another_sender_take_the_score(db, rows):
    first, _, other_lane = rows
    assert _lease(db, "sender-a", rows) == [first, other_lane]
    later = utcnow() + timedelta(seconds=31)
    assert _lease(db, "sender-b", rows, now=later) == [first, other_lane]


def test_a_score_waiting_for_its_retry_holds_back_its_lane(db, rows):
    first, second, other_lane = rows
    assert _lease(db, "sender-a", rows) == [first, other_lane]
    with db.transaction() as session:
        mark_retry(session, first, "sender-a", "HTTP 500: oops", utcnow() + timedelta(hours=1))
        mark_sent(session, other_lane, "sender-a", 200, "")
    assert _lease(db, "sender-a", rows) == []
    with db.sessions() as session:
        row = session.get(GradeScore, first)
        assert (row.attempts, row.last_error) == (1, "HTTP 500: oops")
    assert _lease(db, "sender-a", rows, now=utcnow() + timedelta(hours=2)) == [first]
    assert second not in _lease(db, "sender-b", rows, now=utcnow() + timedelta(hours=2))
