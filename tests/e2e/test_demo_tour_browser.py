"""The demo's user tour in chromium: every organisation, every kind of user, linked accounts,
and the LRS browser with the credentials the demo shows."""

from __future__ import annotations

from tests.support.browser import ORGANISATIONS, demo_launch


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_each_organisation_launches_its_learner_tutor_and_supervisor(browser, live_server, axe):
    people = {
        "university": (
            "Alex Morgan, learner",
            "Dr Sam Patel, instructor",
            "Dr Priya Shah, supervisor",
        ),
        "trust": (
            "Dr Alex Morgan, learner",
            "Dr Ruth Evans, foundation programme director",
            "Dr Tom Okafor, educational supervisor",
        ),
        "employer": ("Dr Alex Morgan, learner", "Chris Walsh, CPD lead", "Jamie Lee, line manager"),
    }  # fmt: skip
    for at, (learner, tutor, supervisor) in people.items():
        page = browser.new_context().new_page()
        institution = ORGANISATIONS[at]

        demo_launch(page, live_server, learner, "360 feedback", at=at)
        page.wait_for_url("**/home?ls=*")
        assert page.locator(".lp-header__institution").inner_text() == institution
        page.get_by_role("button", name="Open 360 feedback").click()
        page.wait_for_url("**/feedback?*")
        assert _heading(page) == "360 feedback"

        demo_launch(page, live_server, tutor, at=at)
        page.wait_for_url("**/course?ls=*")
        assert "Course overview" in page.content()
        page.get_by_role("button", name="Supervisor validation").click()
        page.wait_for_url("**/validation?*")
        assert _heading(page) == "Supervisor validation"

        demo_launch(page, live_server, supervisor, "Supervisor validation", at=at)
        page.wait_for_url("**/home?ls=*")
        page.get_by_role("button", name="Open supervisor validation").click()
        page.wait_for_url("**/validation?*")
        assert _heading(page) == "Supervisor validation"
        assert axe(page) == []
        page.context.close()


def test_the_foundation_school_director_sees_the_programme(browser, live_server, axe):
    page = browser.new_context().new_page()
    demo_launch(page, live_server, "Dr Alex Morgan, learner", at="trust")
    page.wait_for_url("**/home?ls=*")
    lead = (
        "Dr Mei Hughes, foundation school director "
        "(programme lead: any activity opens the programme)"
    )
    demo_launch(page, live_server, lead, at="trust")
    page.wait_for_url("**/programme?ls=*")
    assert "Riverside Foundation School" in _heading(page)
    page.get_by_role("link", name="Dr Alex Morgan").first.click()
    page.wait_for_url("**/programme/trainees/*")
    assert "Dr Alex Morgan" in _heading(page)
    assert axe(page) == []
    page.context.close()


def test_alex_links_the_university_and_trust_accounts(browser, live_server):
    university = browser.new_context().new_page()
    demo_launch(university, live_server, "Alex Morgan, learner", at="university")
    university.wait_for_url("**/home?ls=*")
    university.get_by_role("link", name="Link your accounts").click()
    university.wait_for_url("**/identity?*")
    university.get_by_role("button", name="Get a link code").click()
    university.wait_for_selector(".link-code")
    code = university.locator(".link-code strong").inner_text()

    trust = browser.new_context().new_page()
    demo_launch(trust, live_server, "Dr Alex Morgan, learner", at="trust")
    trust.wait_for_url("**/home?ls=*")
    trust.get_by_role("link", name="Your record").click()
    trust.wait_for_url("**/identity?*")
    trust.get_by_label("Link code").fill(code)
    trust.get_by_role("button", name="Link this account").click()
    trust.wait_for_url("**done=linked*")
    assert "The accounts are linked" in trust.content()
    cards = trust.locator(".lp-account")
    assert cards.count() >= 2
    text = trust.locator("main").inner_text()
    assert "University of Northbridge" in text and "Riverside Hospitals NHS Trust" in text
    assert "demo-learner" in text and "trust-alex" in text  # the two accounts, told apart
    for page in (university, trust):
        page.context.close()


def test_the_lrs_browser_opens_with_the_demo_credentials(page, live_server):
    page.goto(live_server + "/demo")
    username = page.locator("code").nth(0).inner_text()
    password = page.locator("code").nth(1).inner_text()
    page.get_by_role("link", name="statement browser").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/lrs")
    assert _heading(page) == "Learning records"
    assert page.locator(".nhsuk-header__account").inner_text().strip().startswith(username)
