"""An activity offers only the assessment it was set up for."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.assess.models import FeedbackInvitation
from tests.support.feedback_helpers import DOMAIN, start_360
from tests.support.lti_helpers import LEARNER, LTI, error_code, launch

SELF = {"assessment": "self", "domains": DOMAIN}


def _self_activity(client, platform, sub: str) -> str:
    landed = launch(
        client,
        platform,
        sub=sub,
        roles=[LEARNER],
        **{LTI + "custom": SELF, LTI + "resource_link": {"id": "self-only", "title": "Self"}},
    )
    return landed.location.split("ls=")[1]


def _invitations(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(FeedbackInvitation))


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/feedback"),
        ("get", f"/feedback/self/{DOMAIN}"),
        ("get", "/feedback/report"),
        ("post", "/feedback/invitations"),
        ("post", f"/feedback/self/{DOMAIN}"),
    ],
)
def test_a_self_assessment_activity_does_not_open_the_360_pages(client, platform, db, method, path):
    token = _self_activity(client, platform, "only-self")
    before = _invitations(db)
    if method == "get":
        response = client.get(path, query_string={"ls": token})
    else:
        response = client.post(path, data={"ls": token, "rater_group": "peer", "invited": "0"})
    assert response.status_code == 403
    assert error_code(response) == "activity_kind"
    assert "This activity delivers leadership self-assessment" in response.get_data(as_text=True)
    assert _invitations(db) == before


def test_a_360_activity_opens_them(client, platform):
    token = start_360(client, platform, "in-360")
    assert client.get("/feedback", query_string={"ls": token}).status_code == 200


def test_the_same_learner_keeps_the_360_of_its_own_activity(client, platform):
    token_360 = start_360(client, platform, "both-kinds")
    token_self = _self_activity(client, platform, "both-kinds")
    assert client.get("/feedback", query_string={"ls": token_self}).status_code == 403
    assert client.get("/feedback", query_string={"ls": token_360}).status_code == 200
