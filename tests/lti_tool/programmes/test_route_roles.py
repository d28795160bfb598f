"""Route × role matrix of the course and programme views: who may open what.

A learner sees only themselves; an instructor only their own course; a programme lead only
their programme (and, for out-of-scope records, only what trainees shared). Each cell is the
HTTP status a person with that role gets.
"""

import pytest

from lti_tool.programmes import service
from tests.lti_tool.programmes.conftest import lead_token
from tests.support.identity_helpers import user_of
from tests.support.lti_helpers import INSTRUCTOR, LTI, launch, make_platform

ROUTES = [
    ("GET", "/course"),
    ("GET", "/course/export.csv"),
    ("POST", "/course/roster/refresh"),
    ("GET", "/course/learners/{user}"),
    ("GET", "/programme"),
    ("GET", "/programme/export.csv"),
    ("GET", "/programme/trainees/{learner}"),
    ("POST", "/identity/sharing"),
]
# role -> expected status per route, in ROUTES order
MATRIX = {
    "nobody": [401, 401, 401, 401, 401, 401, 401, 401],
    "learner": [403, 403, 403, 403, 403, 403, 403, 303],
    "instructor of the course": [200, 200, 303, 200, 403, 403, 403, 303],
    "instructor of another course": [200, 200, 303, 404, 403, 403, 403, 303],
    "programme lead": [200, 200, 303, 404, 200, 200, 200, 303],
    "lead of another programme": [200, 200, 303, 404, 200, 200, 404, 303],
}


@pytest.fixture
def tokens(client, db, world, unique):
    fy1 = {LTI + "context": {"id": "fy1-2026", "title": "FY1 2026"}}
    tutor = launch(client, world.deanery, sub="tutor-m", roles=[INSTRUCTOR], **fy1)
    other = launch(
        client,
        world.deanery,
        sub="tutor-x",
        roles=[INSTRUCTOR],
        **{LTI + "context": {"id": "elsewhere"}},
    )
    lead, _ = lead_token(client, world.deanery, "tpd-m", world.slug)
    trust = make_platform("m-trust-" + unique).register(db)
    with db.transaction() as session:
        service.add(session, "m-other-" + unique, "Other")
        service.add_scope(session, "m-other-" + unique, trust.issuer)
        service.grant(session, "m-other-" + unique, trust.issuer, "lead-x")
    other_lead = launch(client, trust, sub="lead-x", roles=[INSTRUCTOR])
    return {
        "nobody": None,
        "learner": world.trainee,
        "instructor of the course": tutor.location.split("ls=")[1],
        "instructor of another course": other.location.split("ls=")[1],
        "programme lead": lead,
        "lead of another programme": other_lead.location.split("ls=")[1],
    }


@pytest.mark.parametrize("role", list(MATRIX))
def test_route_role_matrix(client, db, world, tokens, role):
    trainee = user_of(db, world.deanery, "fy1-1")
    got = []
    for method, route in ROUTES:
        path = route.format(user=trainee.id, learner=trainee.learner_id)
        token = tokens[role]
        if method == "GET":
            response = client.get(path + (f"?ls={token}" if token else ""))
        else:
            data = {"ls": token, "share": "no"} if token else {}
            response = client.post(path, data=data)
        got.append(response.status_code)
    assert got == MATRIX[role]


def test_the_programmes_admin_page_is_for_administrators_only(client, world):
    assert client.get("/admin/programmes").status_code == 302
    assert client.get(f"/admin/programmes?ls={world.trainee}").status_code == 302
