"""The 1EdTech LTI Advantage certification cases for a tool, one test each."""

import time

import pytest
from sqlalchemy import select

from lti_tool.models import Course, Membership, PlatformUser, ResourceLink
from tests.support.lti_helpers import (
    FACULTY,
    INSTRUCTOR,
    LEARNER,
    LTI,
    MENTOR,
    STUDENT,
    error_code,
    launch,
    post_launch,
    start_login,
)


def test_token_without_kid_is_rejected(client, platform):
    response = launch(client, platform, sign_kwargs={"kid": None})
    assert response.status_code == 400
    assert error_code(response) == "kid_missing"


def test_token_with_unknown_kid_is_rejected(client, platform):
    response = launch(client, platform, sign_kwargs={"kid": "not-a-known-key"})
    assert response.status_code == 400
    assert error_code(response) == "kid_unknown"
    assert "not-a-known-key" in response.get_data(as_text=True)


def test_token_signed_by_another_key_with_our_kid_is_rejected(client, platform):
    from tests.support.lti_helpers import new_key

    other_key, _ = new_key()
    response = launch(client, platform, sign_kwargs={"key": other_key})
    assert error_code(response) == "signature_invalid"


@pytest.mark.parametrize("version", ["1.0.0", "1.1", None])
def test_wrong_or_missing_lti_version_is_rejected(client, platform, version):
    response = launch(client, platform, **{LTI + "version": version})
    assert response.status_code == 400
    assert error_code(response) == "lti_version"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b", "abc.def.ghi", ""])
def test_non_jwt_message_is_rejected(client, platform, token):
    state, _nonce, _ = start_login(client, platform)
    response = post_launch(client, state, token)
    assert response.status_code == 400
    assert error_code(response) in {"not_a_jwt", "id_token_missing"}


@pytest.mark.parametrize(
    "claim, code",
    [
        (LTI + "message_type", "message_type_missing"),
        (LTI + "roles", "roles_missing"),
        (LTI + "deployment_id", "deployment_id_missing"),
        (LTI + "resource_link", "resource_link_missing"),
        ("sub", "sub_missing"),
        ("nonce", "nonce_mismatch"),
        ("exp", "exp_missing"),
        ("iat", "iat_missing"),
        (LTI + "target_link_uri", "target_link_uri_foreign"),
    ],
)
def test_missing_required_claim_is_rejected(client, platform, claim, code):
    response = launch(client, platform, **{claim: None})
    assert response.status_code == 400
    assert error_code(response) == code
    assert "Traceback" not in response.get_data(as_text=True)


def test_resource_link_without_id_is_rejected(client, platform):
    response = launch(client, platform, **{LTI + "resource_link": {"title": "no id"}})
    assert error_code(response) == "resource_link_missing"


def test_expired_token_is_rejected(client, platform):
    now = int(time.time())
    response = launch(client, platform, iat=now - 900, exp=now - 600)
    assert response.status_code == 400
    assert error_code(response) == "token_expired"


def test_token_issued_in_the_future_is_rejected(client, platform):
    now = int(time.time())
    response = launch(client, platform, iat=now + 600, exp=now + 900)
    assert error_code(response) == "iat_in_future"


def test_non_numeric_iat_is_rejected(client, platform):
    response = launch(client, platform, iat="yesterday")
    assert error_code(response) == "iat_invalid"


def _user(db, platform, sub):
    with db.sessions() as session:
        return session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )


def _roles(db, platform, sub):
    with db.sessions() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )
        return session.scalars(
            select(Membership.roles).where(Membership.platform_user_id == user.id)
        ).all()


def test_valid_instructor_launch_with_several_roles_lands_on_course_page(client, db, platform):
    response = launch(client, platform, sub="teacher", roles=[INSTRUCTOR, FACULTY, MENTOR])
    assert response.status_code == 303
    assert response.location.startswith("/course?ls=")
    page = client.get(response.location)
    assert page.status_code == 200
    assert "Leadership 101" in page.get_data(as_text=True)
    assert _roles(db, platform, "teacher") == [["instructor", "mentor"]]


def test_valid_learner_launch_with_several_roles_lands_on_learner_page(client, db, platform):
    response = launch(client, platform, sub="student", roles=[LEARNER, STUDENT])
    assert response.status_code == 303
    assert response.location.startswith("/home?ls=")
    page = client.get(response.location).get_data(as_text=True)
    assert "Hello, Jo Bloggs" in page
    assert "Your assessments" in page
    assert _roles(db, platform, "student") == [["learner"]]


def test_launch_with_unknown_roles_is_accepted_without_mapped_roles(client, db, platform):
    response = launch(client, platform, sub="odd", roles=["http://example.test/role#Wizard"])
    assert response.status_code == 303
    assert _roles(db, platform, "odd") == [[]]


def test_launch_with_no_roles_is_accepted(client, db, platform):
    response = launch(client, platform, sub="noroles", roles=[])
    assert response.status_code == 303
    assert client.get(response.location).status_code == 200


def test_launch_with_email_only_keeps_email_and_no_name(client, db, platform):
    response = launch(
        client, platform, sub="emailonly", name=None, given_name=None, family_name=None
    )
    assert response.status_code == 303
    user = _user(db, platform, "emailonly")
    assert (user.email, user.name, user.given_name) == ("jo@example.test", None, None)
    assert "Hello, there" in client.get(response.location).get_data(as_text=True)


def test_launch_with_names_only_keeps_names_and_no_email(client, db, platform):
    response = launch(client, platform, sub="namesonly", email=None)
    assert response.status_code == 303
    user = _user(db, platform, "namesonly")
    assert (user.name, user.email) == ("Jo Bloggs", None)


def test_launch_without_personal_data_stores_none(client, db, platform):
    response = launch(
        client, platform, sub="anon", email=None, name=None, given_name=None, family_name=None
    )
    assert response.status_code == 303
    user = _user(db, platform, "anon")
    assert (user.name, user.given_name, user.family_name, user.email) == (None,) * 4


def test_launch_without_context_is_accepted(client, db, platform):
    response = launch(client, platform, sub="nocontext", **{LTI + "context": None})
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Launched without a course" in page


def test_launch_from_a_new_resource_link_records_it(client, db, platform):
    link = {"id": "brand-new-link", "title": "Reflective leadership log"}
    response = launch(client, platform, sub="newlink", **{LTI + "resource_link": link})
    assert response.status_code == 303
    with db.sessions() as session:
        stored = session.scalar(
            select(ResourceLink).where(
                ResourceLink.issuer == platform.issuer, ResourceLink.link_id == "brand-new-link"
            )
        )
        assert stored.title == "Reflective leadership log"
        course = session.get(Course, stored.course_id)
        assert course.context_id == "course-1"
