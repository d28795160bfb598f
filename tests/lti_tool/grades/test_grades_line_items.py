"""An activity set to grade, launched with `lineitems` but no `lineitem`, gets one column."""

import threading

import pytest
from sqlalchemy import delete, select

from lti_tool.grades.line_items import column_key
from lti_tool.grades.models import DEAD, SENT, GradeLineItem
from lti_tool.grades.queue import LINEITEM_SCOPE, SCORE_SCOPE
from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start
from tests.support.grade_helpers import (
    AGS,
    DOMAIN,
    make_sender,
    point_token_url,
    rows_of,
    send_until,
)
from tests.support.gradebook_platform import Gradebook

GRADED = {"domains": DOMAIN, "grade_maximum": "20", "grade_label": "Leadership (self)"}


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


def complete_graded(client, platform, sub, endpoint, custom=GRADED) -> str:
    token = launch_learner(client, platform, sub, custom, **{AGS: endpoint})
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, 3).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return attempt_id


def container_only(gradebook, scopes=(SCORE_SCOPE, LINEITEM_SCOPE)) -> dict:
    return gradebook.endpoint_claim(0, lineitem=False, scopes=scopes)


def sent(db, *attempt_ids):
    return lambda: all(rows_of(db, a)[0].status == SENT for a in attempt_ids)


def test_an_activity_set_to_grade_makes_its_column_once_and_scores_go_there(
    client, db, platform, gradebook, sender, unique
):
    first = complete_graded(client, platform, f"a-{unique}", container_only(gradebook))
    [row] = rows_of(db, first)
    assert row.lineitem == "" and row.line_item["resourceId"] == "leadpath:link-1"
    send_until(sender, sent(db, first))
    second = complete_graded(client, platform, f"b-{unique}", container_only(gradebook))
    send_until(sender, sent(db, second))

    assert gradebook.refusals == []
    assert gradebook.line_item_posts == 1
    [(number, column)] = gradebook.line_items.items()
    assert {k: column[k] for k in ("scoreMaximum", "label", "resourceId", "tag")} == {
        "scoreMaximum": 20,
        "label": "Leadership (self)",
        "resourceId": "leadpath:link-1",
        "tag": "leadpath-self-assessment",
    }
    assert column["resourceLinkId"] == "link-1"
    assert column["submissionReview"]["reviewableStatus"] == ["Completed"]
    assert [s["lineitem"] for s in gradebook.scores] == [number, number]
    assert rows_of(db, first)[0].lineitem == gradebook.lineitem(number)


def test_after_a_restart_the_column_is_found_again_by_its_resource_id(
    app, client, db, platform, gradebook, unique
):
    first_sender = make_sender(app)
    first = complete_graded(client, platform, f"a-{unique}", container_only(gradebook))
    send_until(first_sender, sent(db, first))
    first_sender.close()
    # The record of the column is lost, as when a sender dies between making it and saving it.
    spec = rows_of(db, first)[0].line_item
    with db.transaction() as session:
        session.execute(
            delete(GradeLineItem).where(
                GradeLineItem.key == column_key(platform_id(db, first), spec)
            )
        )
    restarted = make_sender(app)
    second = complete_graded(client, platform, f"b-{unique}", container_only(gradebook))
    send_until(restarted, sent(db, second))
    restarted.close()
    assert gradebook.line_item_posts == 1
    assert len({s["lineitem"] for s in gradebook.scores}) == 1
    with db.sessions() as session:
        assert session.scalar(
            select(GradeLineItem.lineitem).where(
                GradeLineItem.key == column_key(platform_id(db, first), spec)
            )
        ) == gradebook.lineitem(1000)


def platform_id(db, attempt_id) -> int:
    return rows_of(db, attempt_id)[0].platform_id


def test_two_senders_at_once_make_one_column(app, client, db, platform, gradebook, unique):
    gradebook.line_item_delay = 0.5
    attempts = [
        complete_graded(client, platform, f"{n}-{unique}", container_only(gradebook))
        for n in ("a", "b")
    ]
    senders = [make_sender(app, batch_size=1) for _ in range(2)]
    threads = [
        threading.Thread(target=send_until, args=(s, sent(db, *attempts), 20)) for s in senders
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for made in senders:
        made.close()
    assert gradebook.line_item_posts == 1
    assert len(gradebook.scores) == 2 and {s["lineitem"] for s in gradebook.scores} == {1000}


@pytest.mark.parametrize(
    "custom, scopes",
    [
        ({"domains": DOMAIN}, (SCORE_SCOPE, LINEITEM_SCOPE)),
        ({**GRADED, "grade_maximum": "0"}, (SCORE_SCOPE, LINEITEM_SCOPE)),
        (GRADED, (SCORE_SCOPE,)),
    ],
    ids=["not-set-to-grade", "no-points", "no-lineitem-scope"],
)
def test_no_column_is_made_without_points_or_the_line_item_scope(
    client, db, platform, gradebook, unique, custom, scopes
):
    if custom.get("grade_maximum") == "0":
        token = launch_learner(
            client, platform, f"z-{unique}", custom, **{AGS: container_only(gradebook, scopes)}
        )
        page = client.get(f"/home?ls={token}")
        assert page.status_code == 400 and "grade_maximum" in page.get_data(as_text=True)
        return
    attempt_id = complete_graded(
        client, platform, f"n-{unique}", container_only(gradebook, scopes), custom
    )
    assert rows_of(db, attempt_id) == []


def test_a_container_the_platform_does_not_have_dead_letters_the_score_with_its_answer(
    client, db, platform, gradebook, sender, unique
):
    endpoint = container_only(gradebook)
    endpoint["lineitems"] = gradebook.base + "/elsewhere/lineitems"
    attempt_id = complete_graded(client, platform, f"d-{unique}", endpoint)
    send_until(sender, lambda: rows_of(db, attempt_id)[0].status == DEAD)
    [row] = rows_of(db, attempt_id)
    assert row.response_status == 404
    assert "looking up the gradebook column answered HTTP 404" in row.last_error
