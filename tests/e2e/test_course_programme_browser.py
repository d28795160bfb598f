"""The course view and the programme view in chromium: figures, drill-down, filters, CSV,
and a trainee sharing their linked history from /identity.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.browser import Visitor, lti_launch
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, make_platform

DOMAIN = "working-with-others"


def _complete(visitor: Visitor) -> str:
    started = visitor.post("/assess/start", {})
    attempt = urlsplit(started.headers["Location"]).path.split("/")[2]
    page = visitor.get(f"/assess/{attempt}/domains/{DOMAIN}")
    fields = {name: "3" for name in set(re.findall(r'name="(rating:[^"]+)"', page))}
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    visitor.post(
        f"/assess/{attempt}/domains/{DOMAIN}", {"revision": revision, "action": "next", **fields}
    )
    page = visitor.get(f"/assess/{attempt}/finish")
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    visitor.post(f"/assess/{attempt}/complete", {"revision": revision})
    return attempt


def _learner(live_server, platform, sub, name, phase, context):
    custom = {"domains": DOMAIN, "career_phase": phase}
    token = lti_launch(
        live_server,
        platform,
        sub,
        [LEARNER],
        custom,
        "self",
        name=name,
        given_name=None,
        family_name=None,
        **{LTI + "context": context},
    )
    return Visitor(live_server, token)


def test_an_instructor_reads_the_course_view_and_opens_a_learner(page, live_server, db, unique):
    platform = make_platform("cv-" + unique).register(db)
    course = {"id": "cv-course", "title": "Leadership in practice"}
    _complete(_learner(live_server, platform, "cv-ann", "Ann Able", "f1", course))
    _learner(live_server, platform, "cv-bob", "Bob Baker", "f1", course)
    tutor = lti_launch(
        live_server, platform, "cv-tutor", [INSTRUCTOR], {}, "self", **{LTI + "context": course}
    )
    page.goto(f"{live_server}/course?ls={tutor}")
    assert "did not offer its course roster" in page.locator(".lp-roster-source").inner_text()
    assert page.locator('li[data-status="completed"] strong').inner_text() == "1"
    assert page.locator('li[data-status="not_started"] strong').inner_text() == "1"
    heat = page.get_by_role("table", name=re.compile("Learners at each stage per domain"))
    assert heat.locator(f'tr[data-domain="{DOMAIN}"] td[data-stage="4"]').inner_text().endswith("1")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download learners (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ann Able" in text and "Bob Baker" in text
    page.get_by_role("link", name="Ann Able").first.click()
    page.wait_for_selector("h1:has-text('Ann Able')")
    assert "Above expected" in page.locator("main").inner_text()
    page.get_by_role("link", name="Back to the course overview").click()
    page.wait_for_selector("#learners-heading")


def test_a_programme_lead_filters_and_sees_shared_history(page, live_server, db, unique):
    from lti_tool.programmes import service

    school = make_platform("ps-" + unique).register(db)
    deanery = make_platform("pd-" + unique).register(db)
    slug = "pv-" + unique
    with db.transaction() as session:
        service.add(session, slug, "South Foundation School")
        service.add_scope(session, slug, deanery.issuer)
    med = _learner(live_server, school, "pv-stu", "Cleo Day", "undergraduate", {"id": "med5"})
    _complete(med)
    fy1 = _learner(live_server, deanery, "pv-fy1", "Cleo Day", "f1", {"id": "fy1"})
    _complete(fy1)
    _learner(live_server, deanery, "pv-fy2", "Dev Eze", "f2", {"id": "fy2"}).post(
        "/assess/start", {}
    )  # started, not finished
    # Cleo links her medical school account and agrees to share on /identity.
    code_page = med.post("/identity/code", {}).text
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})</strong>", code_page)[1]
    page.goto(f"{live_server}/identity?ls={fy1.token}")
    page.get_by_label("Link code").fill(code)
    page.get_by_role("button", name="Link this account").click()
    page.wait_for_selector(".nhsuk-notification-banner")
    page.get_by_role("button", name="Share my linked history with my programmes").click()
    page.wait_for_selector("text=can now see your linked history")

    lead = lti_launch(
        live_server,
        deanery,
        "pv-lead",
        [INSTRUCTOR],
        {"programme": slug},
        "lead",
        **{LTI + "context": {"id": "fy1"}},
    )
    page.goto(f"{live_server}/programme?ls={lead}")
    assert page.locator('[data-figure="trainees"] strong').inner_text() == "2"
    assert page.locator('tr[data-status="in_progress"]').inner_text().startswith("Dev Eze")
    page.get_by_label("Career phase").select_option("f2")
    page.get_by_role("button", name="Show trainees").click()
    page.wait_for_url(re.compile(r"phase=f2"))
    assert page.locator("table.lp-trainees tbody tr").count() == 1
    assert "Dev Eze" in page.locator("table.lp-trainees").inner_text()
    page.get_by_label("Career phase").select_option("")
    page.get_by_role("button", name="Show trainees").click()
    page.get_by_role("link", name="Cleo Day").click()
    page.wait_for_selector("h1:has-text('Cleo Day')")
    assert page.locator('tr[data-scope="shared"]').count() == 1
    assert page.locator('tr[data-scope="programme"]').count() == 1
