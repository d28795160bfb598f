"""Bad input to a self-assessment is refused with a clear 4xx page, and nothing is stored."""

import html

import pytest
from sqlalchemy import func, select

from lti_tool.assess.models import Attempt
from tests.support.assess_helpers import (
    DOMAINS,
    attempt_id_of,
    complete,
    domain_fields,
    fill_domain,
    launch_learner,
    learner_id,
    revision_on,
    start,
    statements_of,
    stored_state,
    verbs,
)

FIRST = DOMAINS[0]


def _open_attempt(client, platform, sub, custom=None):
    token = launch_learner(client, platform, sub, custom)
    attempt_id = attempt_id_of(start(client, token).location)
    return token, attempt_id


def _post(client, token, attempt_id, domain_id, revision, **fields):
    data = {"ls": token, "revision": revision, "action": "next", **fields}
    return client.post(f"/assess/{attempt_id}/domains/{domain_id}", data=data)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def opened(client, db, platform):
    token, attempt_id = _open_attempt(client, platform, "bad")
    learner = learner_id(db, platform, "bad")
    assert fill_domain(client, token, attempt_id, FIRST, 2).status_code == 303
    return token, attempt_id, learner


@pytest.mark.parametrize("value", ["5", "-1", "x"])
def test_an_out_of_range_rating_is_refused_and_nothing_stored(client, db, opened, value):
    token, attempt_id, learner = opened
    before = stored_state(db, attempt_id, learner)
    fields = domain_fields(FIRST, 3)
    indicator = next(iter(fields))
    fields[indicator] = value
    response = _post(client, token, attempt_id, FIRST, before[1], **fields)
    assert response.status_code == 400
    text = _text(response)
    assert f"The rating '{value}' for indicator '{indicator[7:]}' is not on the scale" in text
    assert "0 (Never)" in text and "correct the answer and save again" in text
    assert stored_state(db, attempt_id, learner) == before


@pytest.mark.parametrize(
    ("field", "sentence"),
    [
        ("stage:demonstrating-personal-qualities/no-such-element", "is not part of"),
        ("stage:working-with-others/developing-networks", "does not belong on the page for"),
        ("rating:no-such-indicator-1a", "The indicator 'no-such-indicator-1a' is not part of"),
        ("rating:developing-networks-1a", "does not belong on the page for"),
    ],
)
def test_unknown_or_misplaced_element_and_indicator_ids_are_refused(
    client, db, opened, field, sentence
):
    token, attempt_id, learner = opened
    before = stored_state(db, attempt_id, learner)
    fields = {**domain_fields(FIRST, 4), field: "2"}
    response = _post(client, token, attempt_id, FIRST, before[1], **fields)
    assert response.status_code == 400
    assert sentence in _text(response)
    assert stored_state(db, attempt_id, learner) == before


@pytest.mark.parametrize("revision", ["99", "0", "abc", ""])
def test_a_tampered_revision_is_refused(client, db, opened, revision):
    token, attempt_id, learner = opened
    before = stored_state(db, attempt_id, learner)
    response = _post(client, token, attempt_id, FIRST, revision, **domain_fields(FIRST, 4))
    assert response.status_code == 409
    text = _text(response)
    assert "these answers were not saved" in text and "Open the assessment again" in text
    assert stored_state(db, attempt_id, learner) == before


def test_a_double_submit_stores_the_first_and_refuses_the_second(client, db, opened):
    token, attempt_id, learner = opened
    page = client.get(f"/assess/{attempt_id}/domains/{DOMAINS[1]}?ls={token}")
    revision = revision_on(page.get_data(as_text=True))
    fields = domain_fields(DOMAINS[1], 3)
    assert _post(client, token, attempt_id, DOMAINS[1], revision, **fields).status_code == 303
    after_first = stored_state(db, attempt_id, learner)
    changed = {**fields, next(iter(fields)): "0"}
    second = _post(client, token, attempt_id, DOMAINS[1], revision, **changed)
    assert second.status_code == 409
    assert "This page was already saved" in _text(second)
    assert stored_state(db, attempt_id, learner) == after_first


def test_completing_with_unanswered_elements_keeps_the_learner_on_the_page(client, db, opened):
    token, attempt_id, learner = opened
    before = stored_state(db, attempt_id, learner)
    response = complete(client, token, attempt_id)
    assert response.status_code == 422
    text = _text(response)
    # The finish page again, with an error summary linking to each element to answer.
    assert "<h1>Check and complete your self-assessment</h1>" in text
    assert "nhsuk-error-summary" in text and "16 elements still need an answer" in text
    networks = (
        f'href="/assess/{attempt_id}/domains/working-with-others?ls={token}'
        '#element-working-with-others--developing-networks"'
    )
    assert networks in text
    assert "Developing networks (Working with Others) needs a rating or a picked stage" in text
    assert 'action="/assess/start"' not in text and "data-error-code" not in text
    assert stored_state(db, attempt_id, learner) == before


def test_one_missing_element_is_counted_in_the_singular(client, platform):
    custom = {"domains": FIRST}
    token, attempt_id = _open_attempt(client, platform, "one-missing", custom)
    fields = domain_fields(FIRST, 3)
    for name in [n for n in fields if n.startswith("rating:managing-yourself-")]:
        fields[name] = "unsure"
    page = client.get(f"/assess/{attempt_id}/domains/{FIRST}?ls={token}").get_data(as_text=True)
    assert _post(client, token, attempt_id, FIRST, revision_on(page), **fields).status_code == 303
    finish = _text(client.get(f"/assess/{attempt_id}/finish?ls={token}"))
    assert "1 element still needs a rating or a picked stage" in finish
    assert "element still need " not in finish
    refused = _text(complete(client, token, attempt_id))
    assert "1 element still needs an answer" in refused


def test_a_completed_attempt_cannot_be_edited(client, db, platform):
    custom = {"domains": FIRST}
    token, attempt_id = _open_attempt(client, platform, "done", custom)
    learner = learner_id(db, platform, "done")
    assert fill_domain(client, token, attempt_id, FIRST, 4).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    before = stored_state(db, attempt_id, learner)
    response = _post(client, token, attempt_id, FIRST, before[1], **domain_fields(FIRST, 0))
    assert response.status_code == 409
    text = _text(response)
    assert "was completed and its answers can no longer be changed" in text
    assert 'action="/assess/start"' in text and "Start a new attempt" in text
    again = client.post(f"/assess/{attempt_id}/complete", data={"ls": token, "revision": before[1]})
    assert again.status_code == 409
    assert stored_state(db, attempt_id, learner) == before


def test_another_learners_attempt_is_not_found(client, db, platform):
    _token, attempt_id = _open_attempt(client, platform, "owner")
    owner = learner_id(db, platform, "owner")
    before = stored_state(db, attempt_id, owner)
    other = launch_learner(client, platform, "intruder")
    for path in ("", f"/domains/{FIRST}", "/finish", "/results", "/print"):
        response = client.get(f"/assess/{attempt_id}{path}?ls={other}")
        assert response.status_code == 404, path
        assert "There is no assessment of yours at this address" in _text(response)
    posted = _post(client, other, attempt_id, FIRST, before[1], **domain_fields(FIRST, 4))
    assert posted.status_code == 404
    completed = client.post(f"/assess/{attempt_id}/complete", data={"ls": other, "revision": "1"})
    assert completed.status_code == 404
    assert stored_state(db, attempt_id, owner) == before


@pytest.mark.parametrize(
    ("custom", "names"),
    [
        ({"assessment": "quiz"}, ["assessment='quiz'", "self, 360, validation"]),
        ({"framework": "no-such-framework"}, ["framework='no-such-framework'", "lf-2011"]),
        ({"domains": "working-with-others,flying"}, ["domains='flying'", "setting-direction"]),
        ({"career_phase": "astronaut"}, ["career_phase='astronaut'", "medical-student, f1, f2"]),
    ],
)
def test_an_unknown_custom_parameter_value_is_named_with_the_allowed_values(
    client, db, platform, custom, names
):
    token = launch_learner(client, platform, "custom", custom)
    learner = learner_id(db, platform, "custom")
    for response in (client.get(f"/home?ls={token}"), start(client, token)):
        assert response.status_code == 400
        text = _text(response)
        for name in names:
            assert name in text
        assert "Ask the course's instructor to correct the activity's custom parameters" in text
    with db.sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.learner_id == learner)
        )
    assert count == 0
    assert verbs(statements_of(db, learner)) == ["launched"]
