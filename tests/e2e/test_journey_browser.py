"""The journey in chromium: reached from the learner's home, the timeline across institutions,
the chart with its table, the crosswalk, the linked accounts; axe finds nothing at 320 and
1280 pixels, and every link leads somewhere."""

from __future__ import annotations

from sqlalchemy import select

from tests.support import cohort as cohort_mod
from tests.support.browser import lti_launch
from tests.support.lti_helpers import LEARNER, make_platform


def test_journey_from_home_through_the_timeline(page, live_server, app, axe, unique):
    from lti_tool.models import PlatformUser

    db = app.extensions["leadpath.db"]
    made = cohort_mod.generate(8, seed=5)
    cohort_mod.install(made, app, base_url=live_server)
    learner = next(x for x in made.learners if x.linked and x.episodes[0].platform == "university"
                   and len(x.episodes) >= 3)  # fmt: skip
    platform = make_platform(unique).register(db)
    token = lti_launch(live_server, platform, f"jb-{unique}", [LEARNER], {}, "j")
    with db.transaction() as session:
        user = session.scalar(select(PlatformUser).where(PlatformUser.issuer == platform.issuer))
        user.learner_id = learner.learner_ids["university"]  # as a link code would

    page.goto(f"{live_server}/home?ls={token}")
    page.get_by_role("link", name="See your leadership journey").click()
    page.wait_for_url("**/journey?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Your leadership journey"
    expected = cohort_mod.expected_journey(made, learner, "university")
    rows = page.locator("#journey-timeline tbody tr")
    assert rows.count() == len(expected)
    assert "University of Northfield Medical School" in rows.first.inner_text()
    assert "Medical student" in rows.first.inner_text()
    assert page.locator("#journey-chart").is_visible()
    assert page.locator("#journey-stages tbody tr").count() == len(
        [e for e in expected if e["kind"] == "self-assessment"]
    )
    assert "(indicative)" in page.locator("#crosswalk-heading").inner_text()
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert axe(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your evidence", exact=False).click()
    assert download.value.suggested_filename == "leadpath-portfolio.json"
    page.get_by_role("link", name="Back to your assessments").click()
    page.wait_for_url("**/home?*")
