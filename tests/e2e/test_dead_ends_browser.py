"""No dead ends, in chromium: a home page, a course page that leads to every learner's work,
errors that keep people on the page, saves that say so, and a way back from every page."""

from __future__ import annotations

import uuid

from tests.support.browser import Visitor, lti_launch
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, make_platform

DOMAIN = "working-with-others"
ONE = {"domains": DOMAIN}


def _platform(db):
    return make_platform(uuid.uuid4().hex[:10]).register(db)


def test_the_home_page_leads_to_the_demo_sign_in_and_documentation(page, live_server):
    response = page.goto(live_server + "/")
    assert response.status == 200
    page.get_by_role("link", name="Try the demo as a learner, tutor or supervisor").click()
    page.wait_for_url("**/demo")
    assert page.get_by_role("heading", level=1).inner_text() == "Try leadpath"
    page.get_by_role("link", name="Back to the leadpath home page").click()
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Connect your learning platform").click()
    page.wait_for_url("**/docs")
    assert "/lti/register" in page.content()
    page.get_by_role("link", name="Back to leadpath home").click()
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Browse learning records").click()
    page.wait_for_url("**/admin/login?**")
    page.get_by_role("link", name="Accessibility statement").click()
    page.wait_for_url("**/accessibility")
    assert "Accessibility statement for leadpath" in page.content()


def test_an_unanswered_element_keeps_the_learner_on_the_page(page, live_server, db):
    platform = _platform(db)
    token = lti_launch(live_server, platform, "de-learner", [LEARNER], ONE, "de")
    attempt = Visitor(live_server, token).post("/assess/start", {}).headers["Location"]
    page.goto(live_server + attempt.replace("/domains/" + DOMAIN, "/finish"))
    page.get_by_role("button", name="Complete and see results").click()
    page.wait_for_selector(".nhsuk-error-summary")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible() and "4 elements still need an answer" in summary.inner_text()
    # The design system's script moves focus to the summary once it has loaded.
    page.wait_for_function("document.activeElement.classList.contains('nhsuk-error-summary')")
    page.get_by_role("link", name="Developing networks (Working with Others) needs").click()
    page.wait_for_url("**/domains/working-with-others?ls=*#element-*")
    assert page.locator("#element-working-with-others--developing-networks").is_visible()
    # Save and finish later says it saved.
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url("**/home?*saved=*")
    assert "Your answers are saved" in page.locator(".nhsuk-notification-banner").inner_text()


def test_a_wrong_link_code_keeps_the_learner_on_the_page(page, live_server, db):
    platform = _platform(db)
    token = lti_launch(live_server, platform, "de-code", [LEARNER], ONE, "de")
    page.goto(f"{live_server}/identity?ls={token}")
    page.get_by_label("Link code").fill("ABCD-EFGH-JK")
    page.get_by_role("button", name="Link this account").click()
    page.wait_for_selector(".nhsuk-error-summary")
    page.wait_for_load_state()  # the design system's script handles the summary's links
    assert page.get_by_role("heading", level=1).inner_text() == "Your record across institutions"
    page.locator(".nhsuk-error-summary a").click()
    assert page.evaluate("document.activeElement.id") == "code"
    assert page.get_by_label("Link code").input_value() == "ABCD-EFGH-JK"


def test_the_course_page_leads_to_each_learners_work(page, live_server, db):
    platform = _platform(db)
    learner = Visitor(live_server, lti_launch(live_server, platform, "de-jo", [LEARNER], ONE, "s"))
    started = learner.post("/assess/start", {}).headers["Location"]
    attempt = started.split("/")[2]
    form_page = learner.get(started.split("?")[0])
    import re

    ratings = {n: "3" for n in set(re.findall(r'name="(rating:[^"]+)"', form_page))}
    revision = re.search(r'name="revision" value="(\d+)"', form_page).group(1)
    learner.post(started.split("?")[0], {"revision": revision, "action": "next", **ratings})
    finish = learner.get(f"/assess/{attempt}/finish")
    revision = re.search(r'name="revision" value="(\d+)"', finish).group(1)
    learner.post(f"/assess/{attempt}/complete", {"revision": revision})
    feedback = {"assessment": "360", "domains": DOMAIN}
    fb = Visitor(live_server, lti_launch(live_server, platform, "de-jo", [LEARNER], feedback, "f"))
    form = {"rater_group": "peer", "invited": "0", "email": "de-peer@example.test"}
    fb.post("/feedback/invitations", form)

    tutor = lti_launch(live_server, platform, "de-tutor", [INSTRUCTOR], {}, "s")
    page.goto(f"{live_server}/course?ls={tutor}")
    page.get_by_role("link", name="Results of Jo Bloggs").click()
    page.wait_for_url("**/course/attempts/*/results?*")
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Self-assessment results of Jo Bloggs"
    )
    page.get_by_role("link", name="Back to the course overview").click()
    page.wait_for_url("**/course?*")
    page.get_by_role("link", name="360 report of Jo Bloggs").click()
    page.wait_for_url("**/course/attempts/*/feedback?*")
    assert page.get_by_role("heading", level=1).inner_text() == "360 report of Jo Bloggs"
    page.get_by_role("link", name="Back to the course overview").click()
    page.wait_for_url("**/course?*")
    page.get_by_role("link", name="Review the self-assessment of Jo Bloggs").click()
    page.wait_for_url("**/validation/attempts/*")
    assert (
        page.get_by_role("heading", level=1).inner_text().startswith("Review the self-assessment")
    )
    page.get_by_role("link", name="Back to supervisor validation").click()
    page.wait_for_url("**/validation?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Supervisor validation"


def test_every_page_has_a_way_back_or_home(page, live_server, db):
    platform = _platform(db)
    token = lti_launch(live_server, platform, "de-back", [LEARNER], ONE, "s")
    for path in (f"/identity?ls={token}", f"/feedback?ls={token}", "/no-such-page", "/docs"):
        page.goto(live_server + path)
        back = page.locator("a.nhsuk-back-link, main a[href]")
        assert back.count() >= 1, path
        assert page.locator("header a.nhsuk-header__service-name").count() == 1, path
