"""What a 360 covers when the activity names no domains: the rated domains in scope."""

import re

import pytest
from sqlalchemy import select

from lti_tool.assess.models import Attempt
from lti_tool.models import ResourceLink
from tests.support.feedback_helpers import invite, start_360
from tests.support.lti_helpers import LTI

LF_CORE = [
    "demonstrating-personal-qualities",
    "working-with-others",
    "managing-services",
    "improving-services",
    "setting-direction",
]
LF_SENIOR = ["creating-the-vision", "delivering-the-strategy"]


def self_rating_links(client, token) -> list[str]:
    """The domains the hub's "Rate yourself" task list links to, in order."""
    hub = client.get(f"/feedback?ls={token}")
    assert hub.status_code == 200
    return re.findall(r'href="/feedback/self/([a-z0-9-]+)\?', hub.get_data(as_text=True))


def start(client, platform, sub, custom):
    link = {"id": f"link-{sub}", "title": "360 feedback"}
    return start_360(client, platform, sub, **{LTI + "custom": custom, LTI + "resource_link": link})


@pytest.mark.parametrize("phase", [None, "f2", "cpd", "registered-practitioner"])
def test_an_lf_360_leaves_out_the_senior_domains_by_default(client, platform, db, phase):
    custom = {"assessment": "360"} | ({"career_phase": phase} if phase else {})
    token = start(client, platform, f"sc-lf-{phase}", custom)
    assert self_rating_links(client, token) == LF_CORE
    rater = client.get(f"/feedback/r/{invite(client, token, 'peer')}").get_data(as_text=True)
    assert "Creating the Vision" not in rater and "Delivering the Strategy" not in rater
    assert "Setting Direction" in rater
    with db.sessions() as session:
        stored = session.scalar(
            select(Attempt.domains)
            .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
            .where(ResourceLink.issuer == platform.issuer, Attempt.kind == "360")
        )
    assert stored == LF_CORE


@pytest.mark.parametrize(
    ("custom", "expected"),
    [
        ({"career_phase": "senior-leader"}, LF_CORE + LF_SENIOR),
        ({"career_phase": "clinical-lead"}, LF_CORE + LF_SENIOR),
        (
            {"domains": "creating-the-vision,working-with-others"},
            ["working-with-others"] + LF_SENIOR[:1],
        ),
    ],
)
def test_the_senior_domains_are_in_a_360_the_custom_parameters_ask_for(
    client, platform, custom, expected
):
    token = start(client, platform, "sc-senior", {"assessment": "360", **custom})
    assert self_rating_links(client, token) == expected


def test_an_hlm_360_rates_the_nine_dimensions_not_the_personal_qualities(client, platform):
    token = start(client, platform, "sc-hlm", {"assessment": "360", "framework": "hlm-2013"})
    links = self_rating_links(client, token)
    assert len(links) == 9 and "personal-qualities" not in links
    assert links[0] == "inspiring-shared-purpose" and links[-1] == "influencing-for-results"
