"""Facilitated release: with `feedback_release=facilitated` the learner sees the report only
after a facilitator (an instructor of the course) releases it following their conversation."""

import re

from sqlalchemy import select

from lti_tool.assess.models import Attempt
from tests.support.feedback_helpers import CUSTOM, invite, rate, self_rate, start_360
from tests.support.lti_helpers import INSTRUCTOR, LTI, error_code, launch

FACILITATED = {**CUSTOM, "feedback_release": "facilitated"}
LINK = {"id": "link-360-facilitated", "title": "360 feedback"}


def _instructor(client, platform, sub):
    landed = launch(
        client,
        platform,
        sub=sub,
        roles=[INSTRUCTOR],
        **{LTI + "resource_link": LINK, LTI + "custom": FACILITATED},
    )
    return landed.location.split("ls=")[1]


def test_the_report_waits_for_the_facilitator(client, platform, db):
    claims = {LTI + "custom": FACILITATED, LTI + "resource_link": LINK}
    token = start_360(client, platform, "rel-learner", **claims)
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    assert rate(client, invite(client, token, "line-manager"), [3] * 4).status_code == 200
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert "Your facilitator releases your report" in hub and "See your 360 report" not in hub
    held = client.get(f"/feedback/report?ls={token}")
    assert held.status_code == 403 and error_code(held) == "report_not_released"

    with db.sessions() as session:
        attempt_id = session.scalar(
            select(Attempt.id)
            .where(Attempt.resource_link_id.is_not(None))
            .order_by(Attempt.started_at.desc())
        )
    tutor = _instructor(client, platform, "rel-tutor")
    report = client.get(f"/course/attempts/{attempt_id}/feedback?ls={tutor}")
    assert report.status_code == 200
    assert "Release the report to the learner" in report.get_data(as_text=True)
    # The learner cannot release their own report; the conversation must be confirmed.
    own = client.post(f"/feedback/attempts/{attempt_id}/release", data={"ls": token})
    assert own.status_code == 403
    unconfirmed = client.post(f"/feedback/attempts/{attempt_id}/release", data={"ls": tutor})
    assert unconfirmed.status_code == 400
    released = client.post(
        f"/feedback/attempts/{attempt_id}/release", data={"ls": tutor, "conversation": "held"}
    )
    assert released.status_code == 303
    after = client.get(released.location).get_data(as_text=True)
    assert re.search(r"Released to the learner on \d\d \w{3} \d{4}", after)
    again = client.post(
        f"/feedback/attempts/{attempt_id}/release", data={"ls": tutor, "conversation": "held"}
    )
    assert again.status_code == 409

    assert client.get(f"/feedback/report?ls={token}").status_code == 200
    assert "See your 360 report" in client.get(f"/feedback?ls={token}").get_data(as_text=True)


def test_without_the_setting_the_report_is_the_learners_at_once(client, platform):
    token = start_360(client, platform, "rel-direct")
    assert client.get(f"/feedback/report?ls={token}").status_code in (200, 404)
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    assert client.get(f"/feedback/report?ls={token}").status_code == 200
