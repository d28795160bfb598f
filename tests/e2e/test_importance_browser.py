"""In chromium: the HLM 360's importance question, from a rater's form to the learner's report."""

from __future__ import annotations

import uuid

from tests.e2e.test_feedback_browser import fits_a_phone
from tests.support.browser import lti_launch
from tests.support.lti_helpers import LEARNER, make_platform
from tests.support.mail_helpers import mailed_link

HOLDING = "holding-to-account"
CUSTOM = {"assessment": "360", "framework": "hlm-2013", "domains": HOLDING}


def invite(page, group: str) -> str:
    address = f"{group}-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("Rater group").select_option(group)
    page.get_by_label("Rater's email address").fill(address)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector(".nhsuk-notification-banner--success")
    return address


def test_raters_say_how_important_a_dimension_is_and_the_learner_sees_it(
    page, browser, live_server, axe, db
):
    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    token = lti_launch(live_server, platform, "b-importance", [LEARNER], CUSTOM, "link-hlm")

    page.goto(f"{live_server}/feedback/self/{HOLDING}?ls={token}")
    page.get_by_role("radio", name="Strong").check()
    page.get_by_role("button", name="Save and continue").click()  # importance left out
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Holding to account: choose how important it is to your role" in summary.inner_text()
    assert axe(page) == []
    summary.get_by_role("link").click()
    question = page.get_by_role("group", name="How important is Holding to account to your role?")
    assert question.get_by_role("radio", name="Of little importance").evaluate(
        "radio => radio === document.activeElement"
    )
    assert page.get_by_role("radio", name="Strong").is_checked()  # the stage was kept
    question.get_by_role("radio", name="Critical to the role").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/feedback?*")
    assert "Your self rating is complete." in page.content()

    rater_answers = [("line-manager", "Very important")] + [("peer", "Quite important")] * 3
    addresses = [(invite(page, group), answer) for group, answer in rater_answers]
    for address, answer in addresses:
        rater = browser.new_context().new_page()
        rater.goto(live_server + mailed_link(db, address))
        question = rater.get_by_role(
            "group", name="How important is Holding to account to Jo's role?"
        )
        rater.get_by_role("group", name="Holding to account", exact=True).get_by_role(
            "radio", name="Proficient"
        ).check()
        if address == addresses[0][0]:
            rater.get_by_role("button", name="Send feedback").click()  # importance left out
            rater.locator(".nhsuk-error-summary").wait_for()
            assert axe(rater) == []
            assert fits_a_phone(rater)
            question = rater.get_by_role(
                "group", name="How important is Holding to account to Jo's role?"
            )
        question.get_by_role("radio", name=answer).check()
        rater.get_by_role("button", name="Send feedback").click()
        rater.get_by_role("heading", name="Thank you").wait_for()  # the answer page, once loaded
        rater.context.close()

    page.goto(f"{live_server}/feedback/report?ls={token}")
    table = page.get_by_role("table", name="How important each dimension is to the role")
    row = table.get_by_role("row").filter(has_text="Holding to account")
    # You, line manager, peer, direct report, other, others: three peers are not yet "others"
    cells = ["4 Critical to the role", "3", "2", "–", "–", "hidden"]
    assert [c.strip() for c in row.get_by_role("cell").all_inner_texts()] == cells
    assert axe(page) == []
    assert fits_a_phone(page)
