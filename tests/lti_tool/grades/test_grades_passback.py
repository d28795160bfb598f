"""A completed self-assessment's score reaches the platform's gradebook over LTI AGS."""

import pytest
from sqlalchemy import select

from lti_tool.assess import service
from lti_tool.assess.models import IN_PROGRESS, Attempt
from lti_tool.grades.models import PENDING, SENT, GradeScore
from lti_tool.grades.sender import scores_url
from lti_tool.lti.records import hash_token
from lti_tool.models import LaunchSession
from tests.support.assess_helpers import attempt_id_of, fill_domain, launch_learner, start
from tests.support.grade_helpers import (
    AGS,
    DOMAIN,
    complete_one,
    make_sender,
    point_token_url,
    rows_of,
    send_until,
    wait_until,
)
from tests.support.gradebook_platform import Gradebook


@pytest.fixture
def gradebook(client, db, platform):
    with Gradebook(client.get("/lti/jwks").get_json(), platform.client_id) as book:
        point_token_url(db, platform, book.token_url)
        yield book


@pytest.fixture
def sender(app):
    made = make_sender(app)
    yield made
    made.close()


def _attempt(db, attempt_id: str) -> Attempt:
    with db.sessions() as session:
        return session.get(Attempt, attempt_id)


def test_completion_queues_one_score_that_the_platform_receives_once(
    client, db, platform, gradebook, sender, unique
):
    sub = f"ags-{unique}"
    attempt_id = complete_one(client, platform, sub, gradebook.endpoint_claim(7))
    attempt = _attempt(db, attempt_id)
    [row] = rows_of(db, attempt_id)
    assert row.status == PENDING and row.user_id == sub
    assert row.lineitem == gradebook.lineitem(7)

    send_until(sender, lambda: rows_of(db, attempt_id)[0].status == SENT)

    assert gradebook.refusals == []
    assert gradebook.token_grants == 1
    [score] = gradebook.scores
    assert score["lineitem"] == 7
    assert score["userId"] == sub
    assert score["scoreGiven"] == round(attempt.score * 100, 2)
    assert score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"] == attempt.completed_at.isoformat(timespec="milliseconds")
    assert score["timestamp"].endswith("+00:00") and len(score["timestamp"]) == 29
    assert score["comment"] == f"Leadership self-assessment: {attempt.result['grade']['note']}"
    assert "stage steps attained" in score["comment"]
    sender.run_once()
    assert gradebook.score_posts == 1 and len(gradebook.scores) == 1


def test_the_access_token_is_reused_for_later_scores(
    client, db, platform, gradebook, sender, unique
):
    first = complete_one(client, platform, f"a-{unique}", gradebook.endpoint_claim(1))
    second = complete_one(client, platform, f"b-{unique}", gradebook.endpoint_claim(1), 1)
    send_until(sender, lambda: all(rows_of(db, a)[0].status == SENT for a in (first, second)))
    assert gradebook.token_grants == 1
    assert sorted(s["userId"] for s in gradebook.scores) == [f"a-{unique}", f"b-{unique}"]


def test_scores_of_one_learner_and_line_item_arrive_in_order(
    client, db, platform, gradebook, sender, unique
):
    sub = f"order-{unique}"
    first = complete_one(client, platform, sub, gradebook.endpoint_claim(3), rating=1)
    second = complete_one(client, platform, sub, gradebook.endpoint_claim(3), rating=4)
    gradebook.script = [("status", 500)]

    sender.run_once()
    assert gradebook.scores == []
    assert rows_of(db, second)[0].status == PENDING and rows_of(db, second)[0].attempts == 0

    send_until(sender, lambda: rows_of(db, second)[0].status == SENT)
    assert [s["timestamp"] for s in gradebook.scores] == [
        _attempt(db, a).completed_at.isoformat(timespec="milliseconds") for a in (first, second)
    ]


@pytest.mark.parametrize(
    "claim",
    [
        None,
        {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"]},
        "no-lineitem",
        "no-score-scope",
    ],
    ids=["no AGS claim", "no line item", "only lineitems", "no score scope"],
)
def test_no_score_is_queued_without_a_line_item_and_the_score_scope(
    client, db, platform, gradebook, unique, claim
):
    if claim == "no-lineitem":
        claim = gradebook.endpoint_claim(1, lineitem=False)
    elif claim == "no-score-scope":
        claim = gradebook.endpoint_claim(
            1, scopes=["https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"]
        )
    attempt_id = complete_one(client, platform, f"none-{unique}", claim)
    assert _attempt(db, attempt_id).status == "completed"
    assert rows_of(db, attempt_id) == []


def test_a_completion_rolled_back_leaves_no_grade_row(app, client, db, platform, gradebook, unique):
    token = launch_learner(
        client,
        platform,
        f"rollback-{unique}",
        {"domains": DOMAIN},
        **{AGS: gradebook.endpoint_claim(2)},
    )
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, 2).status_code == 303

    with app.test_request_context(), pytest.raises(RuntimeError):
        with db.transaction() as session:
            launch = session.scalar(
                select(LaunchSession).where(LaunchSession.token_hash == hash_token(token))
            )
            attempt = session.get(Attempt, attempt_id)
            service.complete(session, launch, attempt, str(attempt.revision))
            session.flush()
            assert len(rows_of_in(session, attempt_id)) == 1
            raise RuntimeError("the request fails after the completion")

    assert _attempt(db, attempt_id).status == IN_PROGRESS
    assert rows_of(db, attempt_id) == []


def rows_of_in(session, attempt_id):
    return session.scalars(select(GradeScore).where(GradeScore.attempt_id == attempt_id)).all()


@pytest.mark.parametrize(
    "lineitem, expected",
    [
        (
            "https://lms/lineitems/3/lineitem?type_id=1",
            "https://lms/lineitems/3/lineitem/scores?type_id=1",
        ),
        ("https://lms/api/lineitems/9", "https://lms/api/lineitems/9/scores"),
        ("https://lms/api/lineitems/9/", "https://lms/api/lineitems/9/scores"),
    ],
)
def test_scores_go_to_the_line_item_path_plus_scores_keeping_its_query(lineitem, expected):
    assert scores_url(lineitem) == expected


def test_the_sender_thread_delivers_scores_until_stopped(
    app, client, db, platform, gradebook, unique
):
    sender = make_sender(app, poll_seconds=0.05)
    thread = sender.start()
    try:
        attempt_id = complete_one(client, platform, f"bg-{unique}", gradebook.endpoint_claim(12))
        wait_until(lambda: rows_of(db, attempt_id)[0].status == SENT)
    finally:
        sender.stop(5)
    assert not thread.is_alive()
    assert [s["userId"] for s in gradebook.scores] == [f"bg-{unique}"]
