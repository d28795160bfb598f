"""Helpers for browser tests: launching from the demo platforms, fitting narrow screens."""

from __future__ import annotations

ORGANISATIONS = {
    "university": "University of Northbridge",
    "trust": "Riverside Hospitals NHS Trust",
    "employer": "Meridian Community Health",
}


def demo_launch(page, live_server, person, activity="Leadership self-assessment", at="university"):
    """Open /demo and launch from one organisation as a person (their radio's label)."""
    page.goto(live_server + "/demo")
    section = page.get_by_role("region", name=ORGANISATIONS[at])
    section.get_by_label(person, exact=True).check()
    section.get_by_label(activity, exact=True).check()
    section.get_by_role("button", name="Launch leadpath").click()


def page_width(page, width: int) -> int:
    """Resize the window to `width` and return the page's scroll width there."""
    page.set_viewport_size({"width": width, "height": 800})
    return page.evaluate("document.documentElement.scrollWidth")
