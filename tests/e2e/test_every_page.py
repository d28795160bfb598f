"""Every page, in chromium, at 320 and 1280 pixels wide: axe-core's WCAG 2.2 A and AA rules find
nothing, nothing scrolls the page sideways, chart text stays at least 12 pixels, nothing is
loaded from another site, no page carries an inline script or style, and chromium reports no
Content-Security-Policy violation on any of them.

The pages and their markup do not depend on the database, so this sweep runs once, on the
SQLite pass of the suite (it is skipped on the PostgreSQL pass, saying so); the PostgreSQL pass
runs every other browser test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from tests.support.browser import Visitor, lti_launch, watch_csp
from tests.support.dynreg_platform import FakeLms
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, MENTOR, make_platform
from tests.support.mail_helpers import mailed_link

DOMAIN = "working-with-others"
WIDTHS = (320, 1280)
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SMALLEST_CHART_TEXT = """() => Math.min(99, ...[...document.querySelectorAll('svg.lp-chart text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""


def _ratings(page: str, value: str = "3") -> dict:
    names = set(re.findall(r'name="(rating:[^"]+)"', page))
    return {name: value for name in names}


def _revision(page: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def _self_assessment(visitor: Visitor, finish: bool = True, reflection: str | None = None):
    started = visitor.post("/assess/start", {})
    attempt = urlsplit(started.headers["Location"]).path.split("/")[2]
    if not finish:
        return attempt  # started, nothing answered yet
    page = visitor.get(f"/assess/{attempt}/domains/{DOMAIN}")
    fields = {"revision": _revision(page), "action": "next", **_ratings(page)}
    if reflection:
        fields[f"reflection:{DOMAIN}/developing-networks"] = reflection
    visitor.post(f"/assess/{attempt}/domains/{DOMAIN}", fields)
    page = visitor.get(f"/assess/{attempt}/finish")
    visitor.post(f"/assess/{attempt}/complete", {"revision": _revision(page)})
    return attempt


@pytest.fixture(scope="module")
def site(live_server, app):
    """Set up one of everything a page can show; return what the pages are addressed by."""
    from lti_tool.models import Platform

    db = app.extensions["leadpath.db"]
    platform = make_platform("sweep").register(db)
    with db.transaction() as session:
        session.execute(
            update(Platform)
            .where(Platform.issuer == platform.issuer)
            .values(name="University of Testshire")
        )
    one = {"domains": DOMAIN, "career_phase": "foundation"}
    learner = Visitor(live_server, lti_launch(live_server, platform, "sw-jo", [LEARNER], one, "s"))
    done = _self_assessment(learner, reflection="Chaired the ward huddle.")
    _self_assessment(learner)
    open_attempt = _self_assessment(learner, finish=False)
    hlm = {"framework": "hlm-2013", "domains": "holding-to-account,personal-qualities"}
    reflecting = Visitor(
        live_server, lti_launch(live_server, platform, "sw-ali", [LEARNER], hlm, "h")
    )
    reflection = _self_assessment(reflecting, finish=False)
    other = Visitor(live_server, lti_launch(live_server, platform, "sw-sam", [LEARNER], one, "s"))
    signed = _self_assessment(other)

    feedback = {"assessment": "360", "domains": DOMAIN}
    fb = Visitor(live_server, lti_launch(live_server, platform, "sw-jo", [LEARNER], feedback, "f"))
    form = {"domain": DOMAIN, "revision": "0"}
    form.update({f"stage-{DOMAIN}/{e}": "2" for e in _elements()})
    fb.post(f"/feedback/self/{DOMAIN}", form)
    links = []
    for n, group in enumerate(["line-manager", "peer", "peer", "peer", "peer"]):
        address = f"sw-{n}-{platform.issuer[-8:]}@example.test"
        fb.post(
            "/feedback/invitations", {"rater_group": group, "invited": str(n), "email": address}
        )
        links.append(mailed_link(db, address))
    rater = Visitor(live_server, "")
    for link in links[:4]:
        rater.http.post(
            live_server + link, data={f"stage-{DOMAIN}/{e}": "3" for e in _elements()}, timeout=10
        )

    teacher = lti_launch(
        live_server, platform, "sw-tutor", [INSTRUCTOR], {"assessment": "validation"}, "v"
    )
    supervisor = Visitor(live_server, teacher)
    review = supervisor.get(f"/validation/attempts/{signed}")
    sign_off = {"attempt_id": signed, "action": "signoff"}
    for path, stage in re.findall(r'data-learner-stage="([^"]+)">([^<]*)<', review):
        sign_off[f"stage-{path}"] = "0" if stage.startswith("not yet") else stage.split(":")[0][-1]
    supervisor.post(f"/validation/attempts/{signed}", sign_off)
    check = {**sign_off, "action": "check", "attempt_id": done}
    supervisor.post(f"/validation/attempts/{done}", check)

    mentor = lti_launch(
        live_server, platform, "sw-mentor", [MENTOR], {"assessment": "validation"}, "v"
    )
    deep = lti_launch(
        live_server,
        platform,
        "sw-designer",
        [INSTRUCTOR],
        {},
        "dl",
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            DL + "deep_linking_settings": {
                "deep_link_return_url": live_server + "/demo",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            },
        },
    )
    from lti_tool.programmes import service as programmes

    with db.transaction() as session:
        programmes.add(session, "sweep-fy", "Sweep Foundation School")
        programmes.add_scope(session, "sweep-fy", platform.issuer)
    lead = lti_launch(
        live_server, platform, "sw-lead", [INSTRUCTOR], {"programme": "sweep-fy"}, "p"
    )
    with db.sessions() as session:
        from lti_tool.assess.models import Attempt
        from lti_tool.models import PlatformUser

        jo = session.query(PlatformUser).filter_by(issuer=platform.issuer, sub="sw-jo").one()

        feedback_id = (
            session.query(Attempt)
            .filter_by(kind="360")
            .order_by(Attempt.started_at.desc())
            .first()
            .id
        )
    return {
        "learner": learner.token,
        "other": other.token,
        "feedback": fb.token,
        "teacher": teacher,
        "mentor": mentor,
        "deep": deep,
        "reflecting": reflecting.token,
        "reflection": reflection,
        "done": done,
        "open": open_attempt,
        "signed": signed,
        "feedback_id": feedback_id,
        "lead": lead,
        "jo_user": jo.id,
        "jo_learner": jo.learner_id,
        "rater": links[4],
        "used_rater": links[0],
    }


def _elements():
    from framework.loader import load_bundled

    return [e.id for e in load_bundled()["lf-2011"].domain(DOMAIN).elements]


def _pages(s: dict) -> list[tuple[str, str]]:
    """Every page, addressed as a person would open it."""
    ls, fb, t = s["learner"], s["feedback"], s["teacher"]
    validation = f"/validation/attempts/{s['signed']}/result?ls={s['other']}"
    hlm = f"/assess/{s['reflection']}/domains"
    return [
        ("home page", "/"),
        ("documentation", "/docs"),
        ("accessibility statement", "/accessibility"),
        ("demo", "/demo"),
        ("demo mail", "/demo/mail"),
        ("frameworks", "/frameworks"),
        ("a framework", "/frameworks/lf-2011"),
        ("a domain", f"/frameworks/lf-2011/domains/{DOMAIN}"),
        ("an element", f"/frameworks/lf-2011/elements/{DOMAIN}/developing-networks"),
        ("a stage", "/frameworks/lf-2011/stages/2"),
        ("a career phase", "/career-phases/foundation"),
        ("a curriculum", "/frameworks/ukfp-2021"),
        ("a senior domain", "/frameworks/lf-2011/domains/creating-the-vision"),
        ("an MLCF element", f"/frameworks/mlcf-2010/elements/{DOMAIN}/developing-networks"),
        ("a phase in every framework", "/career-phases/f2"),
        ("an xAPI profile term", "/xapi/profile/verbs/linked-identity"),
        ("not found", "/no-such-page"),
        ("a failed launch", "/lti/login?iss=https://unknown.example&login_hint=x"),
        ("no launch session", "/home"),
        ("learner home", f"/home?ls={ls}"),
        ("domain page", f"/assess/{s['open']}/domains/{DOMAIN}?ls={ls}"),
        ("finish page", f"/assess/{s['open']}/finish?ls={ls}"),
        ("a reflection domain page", f"{hlm}/personal-qualities?ls={s['reflecting']}"),
        ("an HLM domain page", f"{hlm}/holding-to-account?ls={s['reflecting']}"),
        ("results", f"/assess/{s['done']}/results?ls={ls}"),
        ("print view", f"/assess/{s['done']}/print?ls={ls}"),
        ("your record", f"/identity?ls={ls}"),
        ("your journey", f"/journey?ls={ls}"),
        ("360 hub", f"/feedback?ls={fb}"),
        ("360 self rating", f"/feedback/self/{DOMAIN}?ls={fb}"),
        ("360 report", f"/feedback/report?ls={fb}"),
        ("rater form", s["rater"]),
        ("used rater link", s["used_rater"]),
        ("validation seen by the learner", validation),
        ("course overview", f"/course?ls={t}"),
        ("a learner's results for the tutor", f"/course/attempts/{s['done']}/results?ls={t}"),
        ("a learner's 360 for the tutor", f"/course/attempts/{s['feedback_id']}/feedback?ls={t}"),
        ("a learner's page for the tutor", f"/course/learners/{s['jo_user']}?ls={t}"),
        ("programme view", f"/programme?ls={s['lead']}"),
        ("a trainee for the programme lead",
         f"/programme/trainees/{s['jo_learner']}?ls={s['lead']}"),
        ("supervisor validation", f"/validation?ls={t}"),
        ("review", f"/validation/attempts/{s['done']}?ls={t}"),
        ("sign-off check", f"/validation/attempts/{s['done']}/sign-off?ls={t}"),
        ("signed-off review", f"/validation/attempts/{s['signed']}?ls={t}"),
        ("mentor home", f"/home?ls={s['mentor']}"),
        ("deep linking", f"/lti/deep-link?ls={s['deep']}"),
        ("LRS sign-in", "/admin/login"),
    ]  # fmt: skip


def problems_of(page, axe, name: str) -> list[str]:
    """Return what is wrong with the open page at either width (nothing, when all is well)."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(50)
        for v in axe(page):
            found.append(f"{name} at {width} px: {v['id']} ({v['help']}) at {v['targets']}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            found.append(f"{name} scrolls sideways at {width} px ({scroll} px wide)")
        if page.locator("svg.lp-chart").count():
            smallest = page.evaluate(SMALLEST_CHART_TEXT)
            if smallest < 12:
                found.append(f"{name}: chart text {smallest:.1f} px at {width} px")
    page.set_viewport_size({"width": 1280, "height": 800})
    return found


def check_page(page, axe, live_server, name: str) -> None:
    """Check the open page at both widths."""
    assert problems_of(page, axe, name) == []


def test_every_page_passes_axe_and_fits_320_and_1280(page, live_server, site, axe):
    csp = watch_csp(page)
    outside = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith((live_server, "data:", "about:"))
            else None
        ),
    )
    problems = []
    for name, path in _pages(site):
        response = page.goto(live_server + path)
        sent = response.text()  # as served: ready for a Content-Security-Policy without inline
        if re.search(r"<script(?![^>]*\bsrc=)", sent) or re.search(r"<style|\sstyle=", sent):
            problems.append(f"{name} carries an inline script or style")
        if not response.header_value("Content-Security-Policy"):
            problems.append(f"{name} has no Content-Security-Policy")
        problems += problems_of(page, axe, name)
    assert problems == []
    assert outside == []
    assert csp == []


def test_pages_after_a_form_is_sent_pass_too(page, live_server, site, axe):
    csp = watch_csp(page)
    ls, fb, t = site["learner"], site["feedback"], site["teacher"]
    # The finish page with its error summary (an element unanswered).
    page.goto(f"{live_server}/assess/{site['open']}/finish?ls={ls}")
    page.get_by_role("button", name="Complete and see results").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "finish page with errors")
    # A wrong link code, a new link code.
    page.goto(f"{live_server}/identity?ls={ls}")
    page.get_by_label("Link code").fill("ABCD-EFGH-JK")
    page.get_by_role("button", name="Link this account").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "wrong link code")
    page.get_by_role("button", name="Get a link code").click()
    page.wait_for_selector(".link-code")
    check_page(page, axe, live_server, "link code")
    # A new invitation, and a mistyped email.
    page.goto(f"{live_server}/feedback?ls={fb}")
    page.get_by_label("Rater's email address").fill("sw-new-rater@example.test")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector(".nhsuk-notification-banner--success")
    check_page(page, axe, live_server, "invitation sent")
    page.get_by_label("Rater's email address").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "invitation with a mistyped email")
    # The rater form sent empty, then the thanks page.
    page.goto(live_server + site["rater"])
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "empty rater form")
    page.get_by_role("group", name="Developing networks").get_by_label("Not yet at stage 1").check()
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_selector("text=Thank you")
    check_page(page, axe, live_server, "thanks")
    # A saved review, and the validation list after a sign-off.
    page.goto(f"{live_server}/validation/attempts/{site['done']}?ls={t}")
    page.get_by_role("button", name="Save and continue later").click()
    page.wait_for_selector(".nhsuk-notification-banner")
    check_page(page, axe, live_server, "review saved")
    page.goto(f"{live_server}/validation/attempts/{site['done']}/sign-off?ls={t}")
    page.get_by_role("button", name="Sign off", exact=True).click()
    page.wait_for_selector(".nhsuk-notification-banner")
    check_page(page, axe, live_server, "signed off")
    assert csp == []


def test_lrs_browser_pages_pass_too(page, live_server, site, axe, db):
    from lti_tool.demo.accounts import USERNAME

    csp = watch_csp(page)
    page.goto(live_server + "/demo")
    password = page.locator("code").nth(1).inner_text()
    page.goto(live_server + "/admin/login")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "failed sign-in")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/lrs")
    _forward_to_embedded(db, live_server)
    page.goto(live_server + "/admin/lrs")
    check_page(page, axe, live_server, "statements")
    page.goto(live_server + "/admin/lrs?learner=Bloggs")
    check_page(page, axe, live_server, "learners to choose from")
    page.goto(live_server + "/admin/lrs?course=nothing-like-this&from=2025-13-01")
    check_page(page, axe, live_server, "filters with errors")
    page.goto(live_server + "/admin/lrs?verb=completed")
    check_page(page, axe, live_server, "statements of one verb")
    page.get_by_role("link", name="Details").first.click()
    page.wait_for_url("**/admin/lrs/statements/**")
    check_page(page, axe, live_server, "statement details")
    page.goto(live_server + "/admin/programmes")
    check_page(page, axe, live_server, "programmes")
    page.get_by_label("Short name").fill("Not a name")
    page.get_by_role("button", name="Add the programme").click()
    page.wait_for_selector(".nhsuk-error-summary")
    check_page(page, axe, live_server, "programmes with an error")
    assert csp == []


def test_the_registration_page_passes_too(page, live_server, axe, db):
    from datetime import timedelta

    from lti_tool.lti import invitations

    csp = watch_csp(page)
    invitation, _ = invitations.create(db.engine, timedelta(hours=1))
    with FakeLms("sweep-dynreg") as lms:
        page.route("**/static/registration.js", lambda route: route.abort())
        page.goto(f"{live_server}/lti/register?invitation={invitation}"
                  f"&openid_configuration={lms.config_url}&registration_token=sweep")  # fmt: skip
        assert (
            page.get_by_role("heading", level=1).inner_text().startswith("leadpath is registered")
        )
        check_page(page, axe, live_server, "registration")
    assert csp == []


def test_the_page_that_carries_a_launch_on_passes_too(page, live_server, axe):
    csp = watch_csp(page)
    page.route("**/static/autosubmit.js", lambda route: route.abort())  # stay on the page
    page.goto(live_server + "/demo")
    page.get_by_role("region", name="University of Northbridge").get_by_role(
        "button", name="Launch leadpath"
    ).click()
    page.wait_for_selector("form[data-autosubmit]")
    check_page(page, axe, live_server, "autopost")
    assert csp == []


def _forward_to_embedded(db, live_server) -> None:
    """Store the queued statements in the embedded LRS, as the forwarder would."""
    import json

    from sqlalchemy import select

    from xapi.lrs import store_statements
    from xapi.outbox.embedded import FORWARDER_KEY, EmbeddedSink
    from xapi.outbox.models import OutboxStatement

    with db.sessions() as session:
        bodies = session.scalars(
            select(OutboxStatement.body).order_by(OutboxStatement.seq.desc()).limit(400)
        ).all()
    sink = EmbeddedSink(db.engine, live_server)
    store_statements(
        db.engine,
        [json.loads(b) for b in bodies],
        authority=sink.authority,
        credential=FORWARDER_KEY,
    )
