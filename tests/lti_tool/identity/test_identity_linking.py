"""Linking a second platform's identity with a one-time code, and unlinking it again."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lti_tool.assess.framework_versions import current_version
from lti_tool.assess.models import Attempt
from lti_tool.identity.linking import ALPHABET, normalise_code
from lti_tool.identity.models import LearnerMerge, LinkCode
from lti_tool.models import utcnow
from tests.support.identity_helpers import (
    FORMER,
    LINKED,
    UNLINKED,
    enter_code,
    get_code,
    open_session,
    queued_with_verb,
    user_of,
)
from tests.support.lti_helpers import error_code, make_platform
from xapi.profile import build_profile, check_against_template, check_extensions, template_for


@pytest.fixture
def two_platforms(db, unique):
    return make_platform(unique + "a").register(db), make_platform(unique + "b").register(db)


def _attempt(db, user) -> str:
    with db.transaction() as session:
        version = current_version(session, "lf-2011")
        attempt = Attempt(
            learner_id=user.learner_id, platform_user_id=user.id, framework_version_id=version.id
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def _learner_of_attempt(db, attempt_id: str) -> str:
    with db.sessions() as session:
        return session.get(Attempt, attempt_id).learner_id


def test_identity_page_needs_a_launch(client):
    assert client.get("/identity").status_code == 401


def test_code_is_ten_unambiguous_characters_grouped_and_stored_hashed(client, db, platform):
    token = open_session(client, platform, "code-shape")
    code = get_code(client, token)
    raw = normalise_code(code)
    assert len(raw) == 10 and set(raw) <= set(ALPHABET)
    assert not set("IO01") & set(raw)
    with db.sessions() as session:
        stored = session.scalars(
            select(LinkCode.code_hash).where(
                LinkCode.platform_user_id == user_of(db, platform, "code-shape").id
            )
        ).all()
    assert len(stored) == 1 and raw not in stored[0] and len(stored[0]) == 64


def test_code_from_platform_a_links_platform_b_and_moves_its_attempts(
    client, db, two_platforms, xapi_validator
):
    a, b = two_platforms
    token_a = open_session(client, a, "jo")
    token_b = open_session(client, b, "jo-b")
    user_a, user_b = user_of(db, a, "jo"), user_of(db, b, "jo-b")
    attempt_b = _attempt(db, user_b)
    code = get_code(client, token_a)
    response = enter_code(client, token_b, code.lower().replace("-", " "))
    assert response.status_code == 303
    assert "done=linked" in response.location
    assert user_of(db, b, "jo-b").learner_id == user_a.learner_id
    assert _learner_of_attempt(db, attempt_b) == user_a.learner_id
    with db.sessions() as session:
        merge = session.get(LearnerMerge, user_b.learner_id)
    assert merge.learner_id == user_a.learner_id
    [statement] = queued_with_verb(db, LINKED, user_a.learner_id)
    assert statement["actor"]["account"]["name"] == user_a.learner_id
    extensions = statement["context"]["extensions"]
    assert extensions[FORMER]["account"]["name"] == user_b.learner_id
    assert extensions["http://localhost/xapi/profile/extensions/linked-lti-issuer"] == b.issuer
    assert "jo-b" not in str(statement)
    profile = build_profile("http://localhost")
    assert check_against_template(statement, template_for(statement, profile)) == []
    assert check_extensions(statement, profile) == []
    assert xapi_validator([statement]) == [[]]
    page = client.get("/identity", query_string={"ls": token_b, "done": "linked"}).text
    assert "The accounts are linked" in page
    assert a.issuer in page and b.issuer in page


def test_later_launches_from_b_act_as_the_surviving_learner(client, db, two_platforms):
    a, b = two_platforms
    token_a = open_session(client, a, "later")
    token_b = open_session(client, b, "later-b")
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303
    open_session(client, b, "later-b")
    learner_a = user_of(db, a, "later").learner_id
    launched = queued_with_verb(db, "http://adlnet.gov/expapi/verbs/launched", learner_a)
    issuers = {
        s["context"]["extensions"]["http://localhost/xapi/profile/extensions/lti-issuer"]
        for s in launched
    }
    assert issuers == {a.issuer, b.issuer}


@pytest.mark.parametrize(
    ("mangle", "status", "code"),
    [
        (lambda code: "ABCD-EFGH-JK", 400, "code_unknown"),
        (lambda code: code[:-2], 400, "code_malformed"),
    ],
)
def test_wrong_code_is_refused_and_changes_nothing(client, db, two_platforms, mangle, status, code):
    a, b = two_platforms
    token_a = open_session(client, a, "wrong")
    token_b = open_session(client, b, "wrong-b")
    good = get_code(client, token_a)
    response = enter_code(client, token_b, mangle(good))
    assert response.status_code == status
    assert error_code(response) == code
    # The learner stays on the page: an error summary links to the code field, which keeps
    # what was typed and says what is wrong.
    assert "<h1>Your record across institutions</h1>" in response.text
    assert 'href="#code"' in response.text and "nhsuk-error-message" in response.text
    assert f'value="{mangle(good)}"' in response.text
    assert user_of(db, b, "wrong-b").learner_id != user_of(db, a, "wrong").learner_id
    assert enter_code(client, token_b, good).status_code == 303


def test_expired_code_is_refused(client, db, two_platforms):
    a, b = two_platforms
    token_a = open_session(client, a, "expired")
    token_b = open_session(client, b, "expired-b")
    code = get_code(client, token_a)
    with db.transaction() as session:
        session.execute(
            update(LinkCode)
            .where(LinkCode.learner_id == user_of(db, a, "expired").learner_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    response = enter_code(client, token_b, code)
    assert response.status_code == 410
    assert "expired" in response.text
    assert user_of(db, b, "expired-b").learner_id != user_of(db, a, "expired").learner_id


def test_code_works_once(client, db, two_platforms, unique):
    a, b = two_platforms
    c = make_platform(unique + "c").register(db)
    token_a = open_session(client, a, "once")
    code = get_code(client, token_a)
    assert enter_code(client, open_session(client, b, "once-b"), code).status_code == 303
    again = enter_code(client, open_session(client, c, "once-c"), code)
    assert again.status_code == 410
    assert "already been used" in again.text


def test_a_new_code_replaces_the_previous_one(client, db, two_platforms):
    a, b = two_platforms
    token_a = open_session(client, a, "replace")
    first = get_code(client, token_a)
    second = get_code(client, token_a)
    token_b = open_session(client, b, "replace-b")
    assert enter_code(client, token_b, first).status_code == 400
    assert enter_code(client, token_b, second).status_code == 303


def test_linking_the_same_record_twice_is_a_conflict(client, db, platform):
    token = open_session(client, platform, "self")
    response = enter_code(client, token, get_code(client, token))
    assert response.status_code == 409


def test_five_wrong_codes_lock_code_entry_for_a_while(client, db, two_platforms):
    a, b = two_platforms
    token_a = open_session(client, a, "brute")
    token_b = open_session(client, b, "brute-b")
    good = get_code(client, token_a)
    statuses = [enter_code(client, token_b, "ZZZZ-ZZZZ-ZZ").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    locked = enter_code(client, token_b, good)
    assert locked.status_code == 429
    assert error_code(locked) == "too_many_codes"
    assert (
        "Try again after" in locked.text
        and "<h1>Your record across institutions</h1>" in locked.text
    )
    assert user_of(db, b, "brute-b").learner_id != user_of(db, a, "brute").learner_id
    assert "Too many wrong codes" in client.get("/identity", query_string={"ls": token_b}).text


def test_unlinking_gives_the_identity_its_own_learner_with_its_attempts(
    client, db, two_platforms, xapi_validator
):
    a, b = two_platforms
    token_a = open_session(client, a, "split")
    token_b = open_session(client, b, "split-b")
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303
    learner = user_of(db, a, "split").learner_id
    from_a, from_b = _attempt(db, user_of(db, a, "split")), _attempt(db, user_of(db, b, "split-b"))
    user_b = user_of(db, b, "split-b")
    page = client.get("/identity", query_string={"ls": token_a}).text
    assert f'name="identity" value="{user_b.id}"' in page
    response = client.post("/identity/unlink", data={"ls": token_a, "identity": user_b.id})
    assert response.status_code == 303
    new_learner = user_of(db, b, "split-b").learner_id
    assert new_learner != learner
    assert _learner_of_attempt(db, from_b) == new_learner
    assert _learner_of_attempt(db, from_a) == learner
    [statement] = queued_with_verb(db, UNLINKED, learner)
    profile = build_profile("http://localhost")
    assert check_against_template(statement, template_for(statement, profile)) == []
    assert xapi_validator([statement]) == [[]]


def test_the_current_account_and_foreign_accounts_cannot_be_unlinked(client, db, two_platforms):
    a, b = two_platforms
    token_a = open_session(client, a, "keep")
    open_session(client, b, "stranger")
    own = client.post(
        "/identity/unlink", data={"ls": token_a, "identity": user_of(db, a, "keep").id}
    )
    assert own.status_code == 400
    foreign = client.post(
        "/identity/unlink", data={"ls": token_a, "identity": user_of(db, b, "stranger").id}
    )
    assert foreign.status_code == 404
    assert client.post("/identity/unlink", data={"ls": token_a}).status_code == 400


def test_two_accounts_from_one_platform_are_told_apart(client, db, platform):
    from tests.support.lti_helpers import launch

    first = launch(client, platform, sub="ward-7", email="jo.bloggs@trust.nhs.test")
    token_a = first.location.split("ls=")[1]
    second = launch(
        client, platform, sub="bank-41", email="jo.bank@trust.nhs.test", name="Jo Bloggs (bank)"
    )
    token_b = second.location.split("ls=")[1]
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303
    page = client.get("/identity", query_string={"ls": token_a}).text
    main = page.split('<h2 id="give-heading">')[0]
    cards = main.split('<div class="nhsuk-card lp-account"')[1:]
    assert len(cards) == 2
    this, other = (c for c in sorted(cards, key=lambda c: "This account" not in c))
    assert "ward-7" in this and "jo.bloggs@trust.nhs.test" in this
    assert "bank-41" in other and "jo.bank@trust.nhs.test" in other and "Jo Bloggs (bank)" in other
    assert "the account bank-41 at" in other  # the unlink button names which account
