"""In a real browser: a 360 with a rater, and a supervisor's validation, checked with axe-core."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.support.browser import lti_launch
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, make_platform
from tests.support.mail_helpers import mailed_link

DOMAIN = "working-with-others"
ELEMENTS = (
    "developing-networks",
    "building-and-maintaining-relationships",
    "encouraging-contribution",
    "working-within-teams",
)


def fits_a_phone(page) -> bool:
    page.set_viewport_size({"width": 360, "height": 740})
    narrow = page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})
    return narrow


def test_a_360_with_one_rater_in_chromium(page, browser, live_server, axe, db):
    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    custom = {"assessment": "360", "domains": DOMAIN}
    token = lti_launch(live_server, platform, "b-360", [LEARNER], custom, "link-360")

    page.goto(f"{live_server}/feedback?ls={token}")
    assert axe(page) == []
    page.get_by_role("link", name="Working with Others").click()
    page.wait_for_url("**/feedback/self/**")
    assert axe(page) == []
    assert fits_a_phone(page)
    for group in page.locator("fieldset.fb-stage-choice").all():
        group.get_by_role("radio", name="Stage 2: within a team").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/feedback?*")
    assert "Your self rating is complete." in page.content()

    page.get_by_label("Rater group").select_option("peer")
    address = f"peer-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("Rater's email address").fill(address)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector(".nhsuk-notification-banner--success")
    assert "/feedback/r/" not in page.content()
    assert axe(page) == []

    rater = browser.new_context().new_page()
    rater.goto(live_server + mailed_link(db, address))
    assert axe(rater) == []
    assert fits_a_phone(rater)
    first = rater.get_by_role("radio", name="Not observed").first
    first.focus()
    rater.keyboard.press("ArrowRight")
    assert rater.get_by_role("radio", name="Not yet at stage 1").first.is_checked()
    rater.get_by_role("group", name="Developing networks").get_by_role(
        "radio", name="Stage 3: leading a team or service"
    ).check()
    rater.get_by_label("Comment").fill("Generous with their time")
    rater.get_by_role("button", name="Send feedback").click()
    rater.get_by_role("heading", name="Thank you").wait_for()  # the answer page, once loaded
    rater.context.close()

    page.goto(f"{live_server}/feedback/report?ls={token}")
    assert page.get_by_role(
        "img", name="Working with Others: self compared with others, per element"
    ).is_visible()
    assert axe(page) == []
    assert fits_a_phone(page)


def test_a_supervisor_validation_in_chromium(page, live_server, axe, db):
    from lti_tool.assess.framework_versions import current_version
    from lti_tool.assess.models import Attempt, ElementResponse
    from lti_tool.models import PlatformUser, ResourceLink, utcnow

    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    learner = lti_launch(
        live_server, platform, "b-learner", [LEARNER], {"domains": DOMAIN}, "link-self"
    )
    with db.transaction() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == "b-learner"
            )
        )
        link = session.scalar(select(ResourceLink).where(ResourceLink.issuer == platform.issuer))
        version = current_version(session, "lf-2011")
        attempt = Attempt(
            kind="self",
            learner_id=user.learner_id,
            platform_user_id=user.id,
            resource_link_id=link.id,
            course_id=link.course_id,
            framework_version_id=version.id,
            domains=[DOMAIN],
            status="completed",
            completed_at=utcnow(),
        )
        for n, element in enumerate(ELEMENTS):
            attempt.responses.append(
                ElementResponse(
                    element_path=f"{DOMAIN}/{element}",
                    ratings={},
                    picked_stage=n % 3 + 1,
                    reflection="Ran the weekly huddle",
                )
            )
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id

    supervisor = lti_launch(
        live_server, platform, "b-supervisor", [INSTRUCTOR], {"assessment": "validation"}, "v"
    )
    page.goto(f"{live_server}/validation?ls={supervisor}")
    assert axe(page) == []
    page.get_by_role("link", name="Review").first.click()
    page.wait_for_url(f"**/validation/attempts/{attempt_id}?ls=*")
    assert axe(page) == []
    assert fits_a_phone(page)
    networks = page.get_by_role("group", name="Developing networks")
    networks.get_by_label("Confirmed stage").select_option("3")
    networks.get_by_label("Comment").fill("Chairs the regional network")
    page.get_by_role("button", name="Continue to sign off").click()
    page.wait_for_url("**/sign-off?ls=*")
    assert "Chairs the regional network" in page.content()
    assert axe(page) == []
    page.get_by_role("button", name="Sign off", exact=True).click()
    page.wait_for_url("**/validation?*signed=*")
    assert page.get_by_text("You signed off the self-assessment of").is_visible()

    page.goto(f"{live_server}/validation/attempts/{attempt_id}/result?ls={learner}")
    assert "Chairs the regional network" in page.content()
    assert axe(page) == []
    assert fits_a_phone(page)
