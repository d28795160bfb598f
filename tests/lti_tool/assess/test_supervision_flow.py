"""Supervisor validation through real launches: list, review, adjust, sign off, learner's view."""

import json
import re

import pytest
from sqlalchemy import select

from framework.profile import overall_score
from framework.scoring import score_assessment
from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.assess.models import Attempt, ElementResponse, Validation
from lti_tool.assess.results import build_result
from lti_tool.assess.supervision import validation_for
from lti_tool.models import PlatformUser, ResourceLink, utcnow
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, MENTOR, error_code, launch
from xapi.outbox.models import OutboxStatement
from xapi.profile import build_profile, check_against_template, template_for

DOMAIN = "working-with-others"
NETWORKS = f"{DOMAIN}/developing-networks"
RELATIONSHIPS = f"{DOMAIN}/building-and-maintaining-relationships"
CONTRIBUTION = f"{DOMAIN}/encouraging-contribution"
TEAMS = f"{DOMAIN}/working-within-teams"
PATHS = [NETWORKS, RELATIONSHIPS, CONTRIBUTION, TEAMS]
VALIDATION_LINK = {"id": "link-validation", "title": "Supervisor validation"}


def token_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location.split("ls=")[1]


def learner_launch(client, platform, sub, context="course-1"):
    custom = {"assessment": "self", "domains": DOMAIN, "career_phase": "foundation"}
    return token_of(
        launch(
            client,
            platform,
            sub=sub,
            roles=[LEARNER],
            **{LTI + "custom": custom, LTI + "context": {"id": context, "title": "Leadership"}},
        )
    )


def supervisor_launch(
    client, platform, sub, role=INSTRUCTOR, context="course-1", mentees=("va-learner",)
):
    """Launch a supervisor; a mentor's role_scope_mentor names `mentees` (None: no claim)."""
    claims = {
        LTI + "custom": {"assessment": "validation"},
        LTI + "resource_link": VALIDATION_LINK,
        LTI + "context": {"id": context, "title": "Leadership"},
    }
    if role == MENTOR and mentees is not None:
        claims[LTI + "role_scope_mentor"] = list(mentees)
    return token_of(launch(client, platform, sub=sub, roles=[role], **claims))


def insert_completed_self_assessment(db, platform, sub, status="completed") -> str:
    """Store a finished self-assessment for a learner who has launched; return its id.

    Networks: indicators give stage 2 (stage 3 not demonstrated), also picked 3.
    Relationships: picked 1. Contribution: picked 2, reflection and evidence. Teams: picked 0.
    """
    with db.transaction() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )
        link = session.scalar(
            select(ResourceLink).where(
                ResourceLink.issuer == platform.issuer, ResourceLink.link_id == "link-1"
            )
        )
        version = current_version(session, "lf-2011")
        framework = framework_of(version)
        networks = framework.element(NETWORKS)
        ratings = {i.id: 4 if i.stage <= 2 else 1 for i in networks.indicators}
        picked = {NETWORKS: 3, RELATIONSHIPS: 1, CONTRIBUTION: 2, TEAMS: 0}
        scores = score_assessment(framework, ratings, picked, elements=PATHS)
        assert scores[NETWORKS].attained == 2
        attempt = Attempt(
            kind="self",
            learner_id=user.learner_id,
            platform_user_id=user.id,
            resource_link_id=link.id,
            course_id=link.course_id,
            framework_version_id=version.id,
            career_phase="foundation",
            domains=[DOMAIN],
            status=status,
            completed_at=utcnow() if status == "completed" else None,
            score=overall_score(framework, scores),
        )
        for path in PATHS:
            attempt.responses.append(
                ElementResponse(
                    element_path=path,
                    ratings={k: v for k, v in ratings.items() if path == NETWORKS},
                    picked_stage=picked[path],
                    reflection="I chaired the audit meeting" if path == CONTRIBUTION else None,
                    evidence="Audit minutes, March" if path == CONTRIBUTION else None,
                )
            )
        session.add(attempt)
        session.flush()
        attempt.result = build_result(session, attempt, framework, scores)
        session.flush()
        return attempt.id


def review_form(token, attempt_id, action="signoff", **changes):
    form = {
        "ls": token,
        "attempt_id": attempt_id,
        "action": action,
        f"stage-{NETWORKS}": "2",
        f"stage-{RELATIONSHIPS}": "1",
        f"stage-{CONTRIBUTION}": "2",
        f"stage-{TEAMS}": "0",
        "comment": "A good start.",
    }
    form.update(changes)
    return form


def statements_about(db, attempt_id):
    with db.sessions() as session:
        bodies = session.scalars(select(OutboxStatement.body)).all()
    found = [json.loads(b) for b in bodies]
    return [s for s in found if s.get("context", {}).get("registration") == attempt_id]


@pytest.mark.parametrize("role", [INSTRUCTOR, MENTOR])
def test_supervisor_adjusts_one_element_signs_off_and_the_learner_sees_it(
    client, platform, db, xapi_validator, role
):
    learner = learner_launch(client, platform, "va-learner")
    attempt_id = insert_completed_self_assessment(db, platform, "va-learner")
    supervisor = supervisor_launch(client, platform, "va-supervisor", role=role)

    listing = client.get(f"/validation?ls={supervisor}")
    assert listing.status_code == 200
    assert f'data-attempt="{attempt_id}"' in listing.get_data(as_text=True)

    page = client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "I chaired the audit meeting" in text and "Audit minutes, March" in text
    stage_2 = f'data-learner-stage="{NETWORKS}">Stage 2: within a team'
    assert stage_2 in text
    assert f'data-expected-stage="{NETWORKS}">Stage' in text  # foundation expects a stage

    draft = review_form(supervisor, attempt_id, action="save", comment="Draft note")
    assert client.post(f"/validation/attempts/{attempt_id}", data=draft).status_code == 303
    with db.sessions() as session:
        assert validation_for(session, attempt_id) is None  # not signed off yet
    assert "Draft note" not in client.get(
        f"/validation/attempts/{attempt_id}/result?ls={learner}"
    ).get_data(as_text=True)

    form = review_form(
        supervisor,
        attempt_id,
        **{f"stage-{RELATIONSHIPS}": "3", f"comment-{RELATIONSHIPS}": "Leads the ward huddle"},
    )
    signed = client.post(f"/validation/attempts/{attempt_id}", data=form)
    assert signed.status_code == 303
    listing = client.get(f"/validation?ls={supervisor}").get_data(as_text=True)
    assert "Signed off" in listing

    again = client.post(f"/validation/attempts/{attempt_id}", data=form)
    assert again.status_code == 409

    with db.sessions() as session:
        summary = validation_for(session, attempt_id)
    adjusted = {
        e.path: (e.learner_stage, e.confirmed_stage) for e in summary.elements if e.adjusted
    }
    assert adjusted == {RELATIONSHIPS: (1, 3)}
    assert summary.comment == "A good start."

    view = client.get(f"/validation/attempts/{attempt_id}/result?ls={learner}")
    assert view.status_code == 200
    text = view.get_data(as_text=True)
    assert "Leads the ward huddle" in text and "A good start." in text
    row = re.search(rf'<tr [^>]*data-element="{RELATIONSHIPS}".*?</tr>', text, re.S).group(0)
    assert 'data-confirmed="3"' in row and "(adjusted)" in row
    results = client.get(f"/assess/{attempt_id}/results?ls={learner}").get_data(as_text=True)
    assert f"/validation/attempts/{attempt_id}/result?ls={learner}" in results

    statements = statements_about(db, attempt_id)
    verified = [s for s in statements if s["verb"]["id"].endswith("/verified")]
    asserted = [s for s in statements if s["verb"]["id"].endswith("/asserted")]
    assert len(verified) == 1 and len(asserted) == 1
    with db.sessions() as session:
        supervisor_learner = session.scalar(
            select(PlatformUser.learner_id).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == "va-supervisor"
            )
        )
        learner_id = session.get(Attempt, attempt_id).learner_id
    assert verified[0]["actor"]["account"]["name"] == supervisor_learner
    # Signed off (success), with a stage adjusted (said apart); the learner is in the team.
    assert verified[0]["result"]["success"] is True
    assert verified[0]["result"]["extensions"]["http://localhost/xapi/profile/extensions/adjusted"]
    assert verified[0]["context"]["team"]["member"][0]["account"]["name"] == learner_id
    assert asserted[0]["actor"]["account"]["name"] == learner_id
    assert asserted[0]["object"]["id"].endswith(f"/elements/{RELATIONSHIPS}")
    assert verified[0]["id"] in json.dumps(asserted[0]["context"]["extensions"])
    result_extensions = asserted[0]["result"]["extensions"]
    assert result_extensions["http://localhost/xapi/profile/extensions/stage"] == 3
    assert "http://localhost/xapi/profile/extensions/expected-stage" in result_extensions
    profile = build_profile("http://localhost")
    for statement in verified + asserted:
        assert check_against_template(statement, template_for(statement, profile)) == []
    assert xapi_validator(verified + asserted) == [[], []]


def test_sign_off_asks_for_confirmation_and_every_save_says_it_saved(client, platform, db):
    learner_launch(client, platform, "va-confirm")
    attempt_id = insert_completed_self_assessment(db, platform, "va-confirm")
    supervisor = supervisor_launch(client, platform, "va-confirm-sup")
    review_url = f"/validation/attempts/{attempt_id}"

    saved = client.post(review_url, data=review_form(supervisor, attempt_id, action="save"))
    assert saved.status_code == 303 and "saved=1" in saved.location
    assert "Your review is saved" in client.get(saved.location).get_data(as_text=True)

    form = review_form(supervisor, attempt_id, action="check", **{f"stage-{RELATIONSHIPS}": "3"})
    checked = client.post(review_url, data=form)
    assert checked.status_code == 303
    assert checked.location.startswith(f"/validation/attempts/{attempt_id}/sign-off?")
    with db.sessions() as session:
        assert validation_for(session, attempt_id) is None  # nothing signed off yet
    assert not statements_about(db, attempt_id)
    page = client.get(checked.location).get_data(as_text=True)
    assert "Check and sign off the self-assessment of Jo Bloggs" in page
    assert "Adjusted" in page and "Signing off cannot be undone" in page
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert fields["action"] == "signoff" and fields[f"stage-{RELATIONSHIPS}"] == "3"

    signed = client.post(review_url, data=fields)
    assert signed.status_code == 303 and f"signed={attempt_id}" in signed.location
    listing = client.get(signed.location).get_data(as_text=True)
    assert "You signed off the self-assessment of Jo Bloggs" in listing
    with db.sessions() as session:
        summary = validation_for(session, attempt_id)
    assert {e.path: e.confirmed_stage for e in summary.elements}[RELATIONSHIPS] == 3
    assert client.get(checked.location).status_code == 303  # signed: back to the review


def test_confirming_every_stage_is_an_agreement_without_assertions(client, platform, db):
    learner_launch(client, platform, "va-agree")
    attempt_id = insert_completed_self_assessment(db, platform, "va-agree")
    supervisor = supervisor_launch(client, platform, "va-agree-sup")
    form = review_form(supervisor, attempt_id)
    assert client.post(f"/validation/attempts/{attempt_id}", data=form).status_code == 303
    statements = statements_about(db, attempt_id)
    [verified] = [s for s in statements if s["verb"]["id"].endswith("/verified")]
    assert verified["result"]["success"] is True
    assert not [s for s in statements if s["verb"]["id"].endswith("/asserted")]


def test_a_learner_cannot_open_the_supervisor_pages(client, platform, db):
    learner = learner_launch(client, platform, "va-nosy")
    attempt_id = insert_completed_self_assessment(db, platform, "va-nosy")
    for response in (
        client.get(f"/validation?ls={learner}"),
        client.get(f"/validation/attempts/{attempt_id}?ls={learner}"),
        client.post(f"/validation/attempts/{attempt_id}", data=review_form(learner, attempt_id)),
    ):
        assert response.status_code == 403
        assert error_code(response) == "role_required"
    assert _validation_row(db, attempt_id) is None


def test_a_supervisor_of_another_course_gets_404(client, platform, db):
    learner_launch(client, platform, "va-other-course")
    attempt_id = insert_completed_self_assessment(db, platform, "va-other-course")
    outsider = supervisor_launch(client, platform, "va-outsider", context="course-2")
    assert f'data-attempt="{attempt_id}"' not in client.get(f"/validation?ls={outsider}").get_data(
        as_text=True
    )
    assert client.get(f"/validation/attempts/{attempt_id}?ls={outsider}").status_code == 404
    form = review_form(outsider, attempt_id)
    assert client.post(f"/validation/attempts/{attempt_id}", data=form).status_code == 404
    assert _validation_row(db, attempt_id) is None


def test_an_unfinished_self_assessment_cannot_be_reviewed(client, platform, db):
    learner_launch(client, platform, "va-unfinished")
    attempt_id = insert_completed_self_assessment(
        db, platform, "va-unfinished", status="in_progress"
    )
    supervisor = supervisor_launch(client, platform, "va-unfinished-sup")
    assert client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}").status_code == 404


def test_a_learner_sees_only_their_own_validation(client, platform, db):
    learner_launch(client, platform, "va-owner")
    attempt_id = insert_completed_self_assessment(db, platform, "va-owner")
    other = learner_launch(client, platform, "va-stranger")
    response = client.get(f"/validation/attempts/{attempt_id}/result?ls={other}")
    assert response.status_code == 404


def _validation_row(db, attempt_id):
    with db.sessions() as session:
        return session.scalar(select(Validation.id).where(Validation.attempt_id == attempt_id))


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({f"stage-{NETWORKS}": "5"}, 400),
        ({f"stage-{NETWORKS}": "-1"}, 400),
        ({f"stage-{NETWORKS}": ""}, 400),
        ({"stage-working-with-others/no-such-element": "2"}, 400),
        ({"stage-managing-services/planning": "2"}, 400),
        ({"comment-managing-services/planning": "hi"}, 400),
        ({"attempt_id": "00000000-0000-4000-8000-000000000000"}, 400),
        ({"action": "approve"}, 400),
        ({"comment": "x" * 4001}, 400),
    ],
)  # fmt: skip
def test_bad_review_input_is_refused_and_nothing_is_stored(client, platform, db, change, status):
    learner_launch(client, platform, "va-bad")
    attempt_id = insert_completed_self_assessment(db, platform, "va-bad")
    supervisor = supervisor_launch(client, platform, "va-bad-sup")
    form = {**review_form(supervisor, attempt_id), **change}
    response = client.post(f"/validation/attempts/{attempt_id}", data=form)
    assert response.status_code == status
    assert error_code(response) == "invalid_input"
    assert _validation_row(db, attempt_id) is None
    assert not statements_about(db, attempt_id)


def test_an_unknown_attempt_is_404(client, platform):
    supervisor = supervisor_launch(client, platform, "va-unknown")
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/validation/attempts/{missing}?ls={supervisor}").status_code == 404


def test_a_course_page_without_a_course_lists_nothing(client, platform, db):
    claims = {LTI + "custom": {"assessment": "validation"}, LTI + "context": None}
    supervisor = token_of(launch(client, platform, sub="va-nocourse", roles=[INSTRUCTOR], **claims))
    page = client.get(f"/validation?ls={supervisor}")
    assert page.status_code == 200
    assert "No completed self-assessments" in page.get_data(as_text=True)


def test_a_supervisor_cannot_validate_their_own_self_assessment(client, platform, db):
    supervisor = supervisor_launch(client, platform, "va-self-judge")
    learner_launch(client, platform, "va-self-judge")
    attempt_id = insert_completed_self_assessment(db, platform, "va-self-judge")
    listing = client.get(f"/validation?ls={supervisor}").get_data(as_text=True)
    assert attempt_id not in listing
    response = client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}")
    assert response.status_code == 403 and error_code(response) == "own_attempt"
    form = review_form(supervisor, attempt_id)
    assert client.post(f"/validation/attempts/{attempt_id}", data=form).status_code == 403
    assert _validation_row(db, attempt_id) is None


def test_a_mentor_sees_and_reviews_only_the_learners_role_scope_mentor_names(client, platform, db):
    mine = _launched_and_completed(client, db, platform, "va-mentee")
    other = _launched_and_completed(client, db, platform, "va-not-mentee")
    mentor = supervisor_launch(client, platform, "va-mentor", role=MENTOR, mentees=["va-mentee"])
    listing = client.get(f"/validation?ls={mentor}").get_data(as_text=True)
    assert f'data-attempt="{mine}"' in listing
    assert f'data-attempt="{other}"' not in listing
    assert client.get(f"/validation/attempts/{mine}?ls={mentor}").status_code == 200
    for path in (f"/validation/attempts/{other}", f"/validation/attempts/{other}/sign-off"):
        refused = client.get(f"{path}?ls={mentor}")
        assert refused.status_code == 404 and error_code(refused) == "not_found"
    sent = client.post(
        f"/validation/attempts/{other}",
        data={"ls": mentor, "attempt_id": other, "action": "signoff"},
    )
    assert sent.status_code == 404
    with db.transaction() as session:
        stored = select(Validation).where(Validation.attempt_id == other)
        assert session.scalar(stored) is None


def test_a_mentor_without_role_scope_mentor_sees_no_one(client, platform, db):
    attempt = _launched_and_completed(client, db, platform, "va-unscoped")
    mentor = supervisor_launch(client, platform, "va-mentor-2", role=MENTOR, mentees=None)
    assert f'data-attempt="{attempt}"' not in client.get(f"/validation?ls={mentor}").get_data(
        as_text=True
    )
    assert client.get(f"/validation/attempts/{attempt}?ls={mentor}").status_code == 404


def test_an_instructor_who_is_also_a_mentor_sees_the_whole_course(client, platform, db):
    attempt = _launched_and_completed(client, db, platform, "va-course-wide")
    claims = {
        LTI + "custom": {"assessment": "validation"},
        LTI + "resource_link": VALIDATION_LINK,
        LTI + "context": {"id": "course-1", "title": "Leadership"},
        LTI + "role_scope_mentor": ["someone-else"],
    }
    both = token_of(launch(client, platform, sub="va-both", roles=[INSTRUCTOR, MENTOR], **claims))
    assert client.get(f"/validation/attempts/{attempt}?ls={both}").status_code == 200


def _launched_and_completed(client, db, platform, sub: str) -> str:
    learner_launch(client, platform, sub)
    return insert_completed_self_assessment(db, platform, sub)


def test_signed_off_self_assessments_are_listed_a_page_at_a_time_latest_first(client, platform, db):
    """A supervisor of a long-running course sees 25 sign-offs a page, not every one since."""
    from datetime import timedelta

    learner_launch(client, platform, "va-learner")
    attempts = [insert_completed_self_assessment(db, platform, "va-learner") for _ in range(31)]
    supervisor = supervisor_launch(client, platform, "va-sup")
    with db.transaction() as session:
        sup_id = session.scalar(select(PlatformUser.id).where(PlatformUser.sub == "va-sup"))
        base = utcnow() - timedelta(days=40)
        for n, attempt_id in enumerate(attempts[:30]):  # the last one still awaits sign-off
            session.add(
                Validation(
                    attempt_id=attempt_id,
                    supervisor_id=sup_id,
                    signed_off_at=base + timedelta(days=n),
                )
            )

    def listed(page: str) -> tuple[str, list[str], list[str]]:
        text = client.get(f"/validation?ls={supervisor}{page}").get_data(as_text=True)
        waiting, signed = text.split('id="va-done-heading"')
        return (
            text,
            re.findall(r'data-attempt="([^"]+)"', waiting),
            re.findall(r'data-attempt="([^"]+)"', signed),
        )

    first, waiting, signed = listed("")
    assert waiting == [attempts[30]]
    assert signed == attempts[29:4:-1]  # the 25 latest sign-offs, the latest first
    assert "30 signed off, the latest sign-off first: 1 to 25 shown." in first
    assert "Earlier sign-offs" in first and "Later sign-offs" not in first
    older = re.search(r'href="([^"]*page=2[^"]*)"', first)[1]
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert (
        re.findall(r'data-attempt="([^"]+)"', second.split('id="va-done-heading"')[1])
        == (attempts[4::-1])
    )
    assert "26 to 30 shown." in second and "Later sign-offs" in second
    assert "Earlier sign-offs" not in second
    _, _, beyond = listed("&page=9")  # past the end: the last page
    assert beyond == attempts[4::-1]
