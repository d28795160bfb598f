"""With the keyboard alone, in chromium: a self-assessment and a 360 rater's form, completed.

Every element that takes focus must show it (an outline, a shadow, or the radio's ring drawn on
its label), and focus must move forward through the page in document order.
"""

from __future__ import annotations

import uuid

from tests.support.browser import Visitor, lti_launch
from tests.support.lti_helpers import LEARNER, make_platform
from tests.support.mail_helpers import mailed_link

DOMAIN = "working-with-others"

FOCUS = """() => {
  const el = document.activeElement;
  const visible = (s) => (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
      && s.outlineColor !== "rgba(0, 0, 0, 0)") || (s.boxShadow && s.boxShadow !== "none");
  let shown = visible(getComputedStyle(el));
  if (!shown && (el.type === "radio" || el.type === "checkbox") && el.labels && el.labels[0]) {
    shown = visible(getComputedStyle(el.labels[0], "::before"))
      || visible(getComputedStyle(el.labels[0], "::after"));
  }
  const before = window.__lastFocus;
  const forward = !before || before === el
      || Boolean(before.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  window.__lastFocus = el;
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "",
    text: (el.innerText || el.value || "").trim().slice(0, 60),
    checked: Boolean(el.checked), shown, forward,
  };
}"""


def _tab(page, key="Tab") -> dict:
    page.keyboard.press(key)
    focused = page.evaluate(FOCUS)
    assert focused["shown"], f"no visible focus on {focused}"
    return focused


def _start_fresh(page) -> None:
    page.evaluate("() => { window.__lastFocus = null; }")


def test_a_self_assessment_completed_with_the_keyboard_only(page, live_server, db):
    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    token = lti_launch(live_server, platform, "kb-learner", [LEARNER], {"domains": DOMAIN}, "kb")
    started = Visitor(live_server, token).post("/assess/start", {})
    page.goto(live_server + started.headers["Location"])
    _start_fresh(page)

    first = _tab(page)
    assert first["text"] == "Skip to main content"
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    assert page.evaluate("document.activeElement.id") == "maincontent"
    _start_fresh(page)

    rated, typed, seen = set(), 0, []
    for _ in range(400):
        focused = _tab(page)
        assert focused["forward"], f"focus went backwards to {focused}"
        seen.append(focused)
        if focused["name"].startswith("rating:") and focused["name"] not in rated:
            for _ in range(3):  # Never → Rarely → Sometimes → Often
                page.keyboard.press("ArrowRight")
            assert page.evaluate("document.activeElement.checked")
            rated.add(focused["name"])
        elif focused["name"].startswith("reflection:"):
            page.keyboard.type("Ran the huddle")
            typed += 1
        elif focused["tag"] == "button" and focused["text"] == "Save and continue":
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError("never reached Save and continue")
    assert len(rated) == 32 and typed == 4  # every indicator of the domain's four elements
    page.wait_for_url("**/finish?*")

    _start_fresh(page)
    for _ in range(60):
        focused = _tab(page)
        if focused["text"] == "Complete and see results":
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError("never reached Complete and see results")
    page.wait_for_url("**/results?ls=*")
    assert page.get_by_role("heading", level=1).inner_text() == "Your self-assessment results"
    assert "Ran the huddle" in page.content()


def test_a_rater_form_completed_with_the_keyboard_only(page, live_server, db):
    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    custom = {"assessment": "360", "domains": DOMAIN}
    learner = Visitor(
        live_server, lti_launch(live_server, platform, "kb-360", [LEARNER], custom, "kb-360")
    )
    address = f"kb-{uuid.uuid4().hex[:8]}@example.test"
    form = {"rater_group": "peer", "invited": "0", "email": address}
    learner.post("/feedback/invitations", form)
    page.goto(live_server + mailed_link(db, address))
    _start_fresh(page)

    chosen = set()
    for _ in range(200):
        focused = _tab(page)
        assert focused["forward"], f"focus went backwards to {focused}"
        if focused["name"].startswith("stage-") and focused["name"] not in chosen:
            assert focused["checked"] and focused["text"] == "none"  # "Not observed"
            for _ in range(3):  # Not observed → Not yet at stage 1 → Stage 1 → Stage 2
                page.keyboard.press("ArrowRight")
            chosen.add(focused["name"])
        elif focused["name"] == "comment":
            page.keyboard.type("Calm under pressure")
        elif focused["tag"] == "button" and focused["text"] == "Send feedback":
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError("never reached Send feedback")
    assert len(chosen) == 4
    page.get_by_role("heading", name="Thank you").wait_for()

    from lti_tool.assess.models import FeedbackResponse

    with db.sessions() as session:
        answers = [r.ratings for r in session.query(FeedbackResponse).all()]
    assert {f"{DOMAIN}/{e}": 2 for e in _elements()} in answers


def _elements():
    from framework.loader import load_bundled

    return [e.id for e in load_bundled()["lf-2011"].domain(DOMAIN).elements]
