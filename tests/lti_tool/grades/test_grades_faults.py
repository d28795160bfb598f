"""Gradebook faults: every score arrives exactly once in the end, or is dead-lettered."""

import json
import socket
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner

from lti_tool.cli import build
from lti_tool.grades.models import DEAD, PENDING, SENT
from lti_tool.models import utcnow
from tests.support.grade_helpers import (
    complete_one,
    make_sender,
    point_token_url,
    rows_of,
    send_until,
)
from tests.support.gradebook_platform import Gradebook


@pytest.fixture
def jwks(client):
    return client.get("/lti/jwks").get_json()


@pytest.fixture
def gradebook(db, platform, jwks):
    with Gradebook(jwks, platform.client_id) as book:
        point_token_url(db, platform, book.token_url)
        yield book


@pytest.fixture
def sender(app):
    made = make_sender(app)
    yield made
    made.close()


@pytest.fixture
def run(database_url, data_dir):
    def _run(*args):
        env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}
        result = CliRunner().invoke(build(), list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return _run


def _mine(report: dict, issuer: str) -> dict:
    return next(p for p in report["platforms"] if p["issuer"] == issuer)


def _status_of(db, attempt_id: str) -> str:
    return rows_of(db, attempt_id)[0].status


@pytest.mark.parametrize(
    "script",
    [
        [("status", 500), ("status", 502), ("status", 500)],
        [("status", 429)],
        [("stall", 1.5)],
        [("status", 403), ("status", 409)],
    ],
    ids=["server errors", "too many requests", "stalled past the read timeout", "other 4xx"],
)
def test_a_failing_gradebook_gets_the_score_exactly_once_in_the_end(
    client, db, platform, gradebook, sender, unique, script
):
    attempt_id = complete_one(client, platform, f"f-{unique}", gradebook.endpoint_claim(4))
    gradebook.script = list(script)

    sender.run_once()
    [row] = rows_of(db, attempt_id)
    assert row.status == PENDING and row.attempts == 1 and row.last_error

    send_until(sender, lambda: _status_of(db, attempt_id) == SENT)
    assert [s["userId"] for s in gradebook.scores] == [f"f-{unique}"]
    assert gradebook.script == [] and gradebook.refusals == []


def test_retry_after_is_honoured(client, db, platform, gradebook, sender, unique):
    attempt_id = complete_one(client, platform, f"ra-{unique}", gradebook.endpoint_claim(5))
    gradebook.script = [("status", 503, {"Retry-After": "1"})]

    sender.run_once()
    [row] = rows_of(db, attempt_id)
    assert row.next_attempt_at - utcnow() > timedelta(seconds=0.7)
    sender.run_once()
    assert gradebook.score_posts == 1

    time.sleep(1.0)
    send_until(sender, lambda: _status_of(db, attempt_id) == SENT)
    assert gradebook.score_posts == 2 and len(gradebook.scores) == 1


def test_a_revoked_token_is_renewed_once_and_the_score_sent_in_the_same_pass(
    client, db, platform, gradebook, sender, unique
):
    first = complete_one(client, platform, f"t1-{unique}", gradebook.endpoint_claim(6))
    send_until(sender, lambda: _status_of(db, first) == SENT)
    second = complete_one(client, platform, f"t2-{unique}", gradebook.endpoint_claim(6))
    gradebook.script = [("revoke",)]

    sender.run_once()

    assert _status_of(db, second) == SENT
    assert gradebook.token_grants == 2
    assert [s["userId"] for s in gradebook.scores] == [f"t1-{unique}", f"t2-{unique}"]
    assert gradebook.refusals == []


def test_a_gradebook_that_was_down_receives_the_score_when_it_comes_up(
    client, db, platform, jwks, sender, unique
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_token_url(db, platform, f"http://127.0.0.1:{port}/token")
    claim = {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": f"http://127.0.0.1:{port}/mod/lti/services.php/2/lineitems/8/lineitem?type_id=1",
    }
    attempt_id = complete_one(client, platform, f"down-{unique}", claim)

    sender.run_once()
    [row] = rows_of(db, attempt_id)
    assert row.status == PENDING and "token endpoint unreachable" in row.last_error

    with Gradebook(jwks, platform.client_id, port=port) as gradebook:
        send_until(sender, lambda: _status_of(db, attempt_id) == SENT)
    assert [s["lineitem"] for s in gradebook.scores] == [8]


def test_a_refused_score_is_dead_with_the_platforms_answer_and_can_be_retried(
    client, db, platform, gradebook, sender, unique, run
):
    attempt_id = complete_one(client, platform, f"dead-{unique}", gradebook.endpoint_claim(9))
    answer = {"error": "user is not enrolled in this course"}
    gradebook.script = [("status", 400, {}, answer)]

    sender.run_once()

    [row] = rows_of(db, attempt_id)
    assert row.status == DEAD and row.response_status == 400
    assert gradebook.scores == []
    report = json.loads(run("grades", "status", "--json"))
    mine = _mine(report, platform.issuer)
    assert (mine["pending"], mine["sent"], mine["dead"]) == (0, 0, 1)
    [letter] = [d for d in report["dead"] if d["issuer"] == platform.issuer]
    assert letter["status"] == 400 and json.loads(letter["response"]) == answer
    assert letter["user_id"] == f"dead-{unique}" and letter["attempt_id"] == attempt_id
    text = run("grades", "status")
    assert f"DEAD {row.id} {platform.issuer}" in text and "user is not enrolled" in text

    assert run("grades", "retry", "--dead").endswith(
        "; 1 refused score re-queued, 0 left refused (a later score of the same learner and "
        "activity exists).\n"
    )
    send_until(sender, lambda: _status_of(db, attempt_id) == SENT)
    assert [s["userId"] for s in gradebook.scores] == [f"dead-{unique}"]
    mine = _mine(json.loads(run("grades", "status", "--json")), platform.issuer)
    assert (mine["pending"], mine["sent"], mine["dead"]) == (0, 1, 0)


def test_a_dead_score_overtaken_by_a_later_one_is_not_requeued(
    client, db, platform, gradebook, sender, unique, run
):
    sub = f"late-{unique}"
    first = complete_one(client, platform, sub, gradebook.endpoint_claim(10))
    gradebook.script = [("status", 422)]
    sender.run_once()
    second = complete_one(client, platform, sub, gradebook.endpoint_claim(10), rating=4)
    send_until(sender, lambda: _status_of(db, second) == SENT)

    run("grades", "retry", "--dead")

    assert _status_of(db, first) == DEAD
    assert len(gradebook.scores) == 1


def test_status_shows_pending_scores_with_their_age_and_last_error(
    client, db, platform, gradebook, sender, unique, run
):
    attempt_id = complete_one(client, platform, f"st-{unique}", gradebook.endpoint_claim(11))
    gradebook.script = [("status", 503, {"Retry-After": "3600"})]
    sender.run_once()

    mine = _mine(json.loads(run("grades", "status", "--json")), platform.issuer)
    assert mine["pending"] == 1 and mine["oldest_pending_seconds"] >= 0
    assert mine["last_error"].startswith("HTTP 503")
    assert "pending 1" in run("grades", "status")

    assert run("grades", "retry").endswith(" due now.\n")
    assert rows_of(db, attempt_id)[0].next_attempt_at <= utcnow()
    output = run("grades", "send")
    assert output.startswith("Sent ") and " waiting to be sent again." in output
    send_until(sender, lambda: _status_of(db, attempt_id) == SENT)
    assert len(gradebook.scores) == 1
