"""The Content-Security-Policy as chromium enforces it: no injected inline script runs, and only
the registered learning platform may show leadpath's pages in a frame (no one the admin pages).

The "platform" is a page served on another loopback port (another origin), registered with its
origin as issuer; a second, unregistered origin frames the same pages.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Request, Response

from tests.support.browser import lti_launch, watch_csp
from tests.support.loopback import serve_wsgi
from tests.support.lti_helpers import LEARNER, make_platform

INJECT = """() => { const s = document.createElement('script');
  s.textContent = 'window.injected = true'; document.body.append(s); return window.injected }"""


def _framer(live_server: str, token: str):
    @Request.application
    def lms(request: Request) -> Response:
        return Response(
            "<!doctype html><title>LMS</title>"
            f'<iframe id="activity" title="activity" src="{live_server}/home?ls={token}"></iframe>'
            f'<iframe id="admin" title="admin" src="{live_server}/admin/login"></iframe>',
            content_type="text/html",
        )

    return lms


def _heading(page, frame_id: str) -> str | None:
    """Return the h1 of leadpath's page in the frame, or None when the frame was refused."""
    frame = page.frame_locator(f"#{frame_id}")
    try:
        frame.locator("main").wait_for(timeout=3000)  # chromium's refusal page has no <main>
    except Exception:  # noqa: BLE001 - timed out: the frame shows no leadpath page
        return None
    return frame.locator("h1").first.inner_text()


def test_an_injected_inline_script_is_refused(page, live_server, db):
    platform = make_platform(uuid.uuid4().hex[:10]).register(db)
    token = lti_launch(live_server, platform, "csp-inline", [LEARNER], {}, "csp")
    csp = watch_csp(page)
    page.goto(f"{live_server}/home?ls={token}")
    assert page.evaluate(INJECT) is None
    assert any("script-src" in v for v in csp), csp


def test_only_the_registered_platform_frames_learner_pages_and_no_one_the_admin_pages(
    page, live_server, db
):
    unique = uuid.uuid4().hex[:10]
    token: list[str] = []

    def lms(environ, start_response):
        return _framer(live_server, token[0])(environ, start_response)

    with serve_wsgi(lms) as lms_url, serve_wsgi(lms) as stranger:
        platform = make_platform(unique)
        platform.issuer = lms_url  # the platform's pages are on this origin
        platform.register(db)
        token.append(lti_launch(live_server, platform, "csp-frame", [LEARNER], {}, "frame"))
        csp = watch_csp(page)
        page.goto(lms_url)
        assert _heading(page, "activity") is not None, "the platform shows the activity"
        assert _heading(page, "admin") is None, "no one frames the admin pages"
        page.goto(stranger)
        assert _heading(page, "activity") is None, "another site cannot frame leadpath"
    assert any("frame-ancestors" in v for v in csp), csp
