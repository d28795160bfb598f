"""LTI Submission Review: the gradebook opens a learner's attempt; who may see it."""

import pytest

from tests.lti_tool.assess.test_supervision_flow import review_form, supervisor_launch
from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, error_code, launch

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DOMAIN = "working-with-others"


def complete_self_assessment(client, platform, sub) -> str:
    token = launch_learner(client, platform, sub, {"domains": DOMAIN})
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, 3).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return attempt_id


def review_launch(client, platform, reviewer, learner, roles=(INSTRUCTOR,), **overrides):
    claims = {
        LTI + "message_type": "LtiSubmissionReviewRequest",
        LTI + "for_user": {"user_id": learner, "name": "Priya Shah", "roles": [LEARNER]},
        AGS: {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": "https://lms.example.test/lineitems/7/lineitem",
        },
        **overrides,
    }
    return launch(client, platform, sub=reviewer, roles=list(roles), **claims)


def test_an_instructor_opens_a_learners_attempt_with_its_validation(client, platform, unique):
    learner = f"learner-{unique}"
    attempt_id = complete_self_assessment(client, platform, learner)
    supervisor = supervisor_launch(client, platform, f"sup-{unique}")
    form = review_form(supervisor, attempt_id, comment="Strong team work.")
    form = {k: v for k, v in form.items() if not k.startswith("stage-")}
    page = client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}").get_data(as_text=True)
    for path in {p.split('"')[0] for p in page.split('name="stage-')[1:]}:
        form[f"stage-{path}"] = "2"
    assert client.post(f"/validation/attempts/{attempt_id}", data=form).status_code == 303

    landed = review_launch(client, platform, f"teacher-{unique}", learner)
    assert landed.status_code == 303, landed.get_data(as_text=True)
    assert landed.location.startswith("/lti/submission-review?ls=")
    page = client.get(landed.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Priya Shah: self-assessment" in text
    assert "gradebook score <strong>" in text and "Working with Others" in text
    assert "Signed off on" in text and "Strong team work." in text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_learner_may_review_their_own_attempt(client, platform, unique):
    learner = f"learner-{unique}"
    complete_self_assessment(client, platform, learner)
    landed = review_launch(client, platform, learner, learner, roles=(LEARNER,))
    text = client.get(landed.location).get_data(as_text=True)
    assert "Your self-assessment" in text
    assert "Not signed off by a supervisor yet." in text


def test_another_learner_may_not_see_it(client, platform, unique):
    learner = f"learner-{unique}"
    complete_self_assessment(client, platform, learner)
    landed = review_launch(client, platform, f"nosy-{unique}", learner, roles=(LEARNER,))
    refused = client.get(landed.location)
    assert refused.status_code == 403
    assert error_code(refused) == "review_not_allowed"
    assert "gradebook score" not in refused.get_data(as_text=True)


def test_a_learner_who_has_not_started_is_said_so(client, platform, unique):
    landed = review_launch(client, platform, f"teacher-{unique}", f"absent-{unique}")
    text = client.get(landed.location).get_data(as_text=True)
    assert "has not started this self-assessment in leadpath yet" in text


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({LTI + "for_user": None}, "for_user_missing"),
        ({LTI + "for_user": {"name": "no id"}}, "for_user_missing"),
        ({LTI + "resource_link": None}, "resource_link_missing"),
    ],
)
def test_a_review_that_does_not_say_whose_or_which_is_refused(
    client, platform, unique, overrides, code
):
    refused = review_launch(client, platform, f"teacher-{unique}", "x", **overrides)
    assert refused.status_code == 400
    assert error_code(refused) == code


def test_the_review_page_needs_a_review_launch(client, platform, unique):
    landed = launch(client, platform, sub=f"teacher-{unique}", roles=[INSTRUCTOR])
    token = landed.location.split("ls=")[1]
    response = client.get(f"/lti/submission-review?ls={token}")
    assert response.status_code == 400
    assert error_code(response) == "not_submission_review"
