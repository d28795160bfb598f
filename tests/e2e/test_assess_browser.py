"""In a real browser: a learner completes a self-assessment and sees the drawn profile chart."""

from tests.support.browser import demo_launch

CHECK_ALL = """value => {
  const names = new Set([...document.querySelectorAll('input[type=radio][name^="rating:"]')]
    .map(input => input.name));
  for (const name of names) {
    document.querySelector(`input[name="${CSS.escape(name)}"][value="${value}"]`).checked = true;
  }
  return names.size;
}"""


def test_learner_completes_a_self_assessment_in_chromium(page, live_server, axe):
    demo_launch(page, live_server, "Alex Morgan, learner")
    page.wait_for_url("**/home?ls=*")
    page.get_by_role("button", name="Start").or_(page.get_by_role("button", name="Continue")).or_(
        page.get_by_role("button", name="Start a new attempt")
    ).first.click()
    page.wait_for_url("**/domains/**")
    assert axe(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})

    radio = page.get_by_role("radio", name="Often").first
    radio.focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("radio", name="Always").first.is_checked()

    while "/domains/" in page.url:
        # a medical student's activity: the five core LF domains, not the two senior ones
        assert "of 5" in page.locator(".assess-progress").inner_text()
        assert page.evaluate(CHECK_ALL, "3") > 0
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state()
    page.wait_for_url("**/finish?*")
    assert axe(page) == []
    page.get_by_role("button", name="Complete and see results").click()
    page.wait_for_url("**/results?ls=*")

    chart = page.locator("svg.profile-chart")
    assert chart.is_visible()
    assert chart.locator("rect.bar").count() == 5
    assert chart.bounding_box()["width"] > 200
    assert page.get_by_role("img", name="Domain profile").count() == 1
    assert axe(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="Print view").click()
    page.wait_for_url("**/print?ls=*")
    assert page.locator("svg.profile-chart").is_visible()
    assert axe(page) == []
