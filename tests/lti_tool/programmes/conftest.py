"""A foundation programme on one platform, a medical school on another, and one trainee.

The trainee completed a self-assessment at medical school (outside the programme) and one in
the foundation programme's course, and linked the two accounts.
"""

from dataclasses import dataclass

import pytest

from lti_tool.programmes import service
from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start
from tests.support.identity_helpers import enter_code, get_code
from tests.support.lti_helpers import INSTRUCTOR, LTI, launch, make_platform

DOMAIN = "working-with-others"


@dataclass
class World:
    school: object
    deanery: object
    slug: str
    trainee: str  # the trainee's launch token at the deanery
    school_attempt: str
    deanery_attempt: str


def completed(client, platform, sub, value, phase, context=None, **claims):
    if context:
        claims[LTI + "context"] = context
    token = launch_learner(
        client, platform, sub, {"domains": DOMAIN, "career_phase": phase}, **claims
    )
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, value).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return token, attempt_id


def lead_token(client, platform, sub, slug, roles=(INSTRUCTOR,)):
    response = launch(
        client, platform, sub=sub, roles=list(roles), **{LTI + "custom": {"programme": slug}}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location.split("ls=")[1], response.location


@pytest.fixture
def world(client, db, unique):
    school = make_platform("school-" + unique).register(db)
    deanery = make_platform("deanery-" + unique).register(db)
    slug = "fy-" + unique
    with db.transaction() as session:
        service.add(session, slug, "North Foundation School")
        service.add_scope(session, slug, deanery.issuer)
    school_token, school_attempt = completed(
        client,
        school,
        "stu-1",
        3,
        "undergraduate",
        name="Asha Patel",
        context={"id": "med-yr5", "title": "Year 5 leadership"},
    )
    trainee, deanery_attempt = completed(
        client,
        deanery,
        "fy1-1",
        3,
        "f1",
        name="Asha Patel",
        context={"id": "fy1-2026", "title": "FY1 2026"},
    )
    code = get_code(client, school_token)
    assert enter_code(client, trainee, code).status_code == 303
    return World(school, deanery, slug, trainee, school_attempt, deanery_attempt)
