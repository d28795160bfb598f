"""Supervisor validation of frameworks other than the LF: the expectation is the framework's own."""

import pytest
from sqlalchemy import select

from lti_tool.assess.framework_versions import current_version
from lti_tool.assess.models import Attempt, ElementResponse
from lti_tool.models import PlatformUser, ResourceLink, utcnow
from tests.lti_tool.assess.test_supervision_flow import (
    learner_launch,
    statements_about,
    supervisor_launch,
)

UKFP = "valuable-member-of-the-healthcare-workforce"
UKFP_PATHS = [f"{UKFP}/{e}" for e in ("sharing-the-vision", "fitness-to-practise")]
HOLDING = "holding-to-account/holding-to-account"
EXPECTED = "http://localhost/xapi/profile/extensions/expected-stage"


def insert_completed(db, platform, sub, framework_id, phase, picked) -> str:
    """Store a finished self-assessment of `framework_id` at `phase`; return its id."""
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
        attempt = Attempt(
            kind="self",
            learner_id=user.learner_id,
            platform_user_id=user.id,
            resource_link_id=link.id,
            course_id=link.course_id,
            framework_version_id=current_version(session, framework_id).id,
            career_phase=phase,
            domains=sorted({p.split("/")[0] for p in picked}),
            status="completed",
            completed_at=utcnow(),
        )
        for path, stage in picked.items():
            attempt.responses.append(
                ElementResponse(element_path=path, ratings={}, picked_stage=stage)
            )
        session.add(attempt)
        session.flush()
        return attempt.id


def test_a_foundation_curriculum_review_expects_the_f2_level_at_f2(client, platform, db):
    learner_launch(client, platform, "vf-ukfp")
    picked = {UKFP_PATHS[0]: 1, UKFP_PATHS[1]: 2}
    attempt_id = insert_completed(db, platform, "vf-ukfp", "ukfp-2021", "f2", picked)
    supervisor = supervisor_launch(client, platform, "vf-ukfp-sup", mentees=None)

    page = client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for path in UKFP_PATHS:
        assert f'data-expected-stage="{path}">F2 outcome</dd>' in text

    form = {"ls": supervisor, "attempt_id": attempt_id, "action": "signoff"}
    form.update({f"stage-{UKFP_PATHS[0]}": "2", f"stage-{UKFP_PATHS[1]}": "2"})
    assert client.post(f"/validation/attempts/{attempt_id}", data=form).status_code == 303
    [asserted] = [
        s for s in statements_about(db, attempt_id) if s["verb"]["id"].endswith("/asserted")
    ]
    assert asserted["object"]["id"].endswith(f"/elements/{UKFP_PATHS[0]}")
    assert asserted["result"]["extensions"][EXPECTED] == 2  # F2, the second level


@pytest.mark.parametrize("phase", ["f1", "senior-leader"])
def test_an_hlm_review_expects_no_level_at_any_career_phase(client, platform, db, phase):
    learner_launch(client, platform, f"vf-hlm-{phase}")
    attempt_id = insert_completed(db, platform, f"vf-hlm-{phase}", "hlm-2013", phase, {HOLDING: 2})
    supervisor = supervisor_launch(client, platform, f"vf-hlm-sup-{phase}", mentees=None)
    text = client.get(f"/validation/attempts/{attempt_id}?ls={supervisor}").get_data(as_text=True)
    assert f'data-learner-stage="{HOLDING}">Proficient' in text
    assert "data-expected-stage" not in text
