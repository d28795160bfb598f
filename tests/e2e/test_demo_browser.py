"""In a real browser: /demo → learner launch → the learner page, through the LTI 1.3 flow."""

from tests.support.browser import demo_launch


def test_demo_learner_launch_in_chromium_lands_on_the_learner_page(page, live_server, axe):
    page.goto(live_server + "/demo")
    assert axe(page) == []
    demo_launch(page, live_server, "Alex Morgan, learner")
    page.wait_for_url("**/home?ls=*")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Alex Morgan"
    assert "Leadership in Practice (demo course)" in page.content()
    assert axe(page) == []


def test_demo_instructor_launch_in_chromium_lands_on_the_course_page(page, live_server, axe):
    demo_launch(page, live_server, "Dr Sam Patel, instructor")
    page.wait_for_url("**/course?ls=*")
    assert (
        "Leadership in Practice (demo course)" in page.get_by_role("heading", level=1).inner_text()
    )
    assert axe(page) == []


def test_failed_launch_page_is_readable_in_the_browser(page, live_server, axe):
    response = page.goto(
        live_server + "/lti/login?iss=https://unknown.example&login_hint=x"
        f"&target_link_uri={live_server}/lti/launch"
    )
    assert response.status == 400
    assert "leadpath has no registration for platform https://unknown.example" in page.content()
    assert axe(page) == []
