"""Launches inside a platform's frame in chromium with third-party cookies blocked.

The platform's course page is on http://127.0.0.1:<port>, leadpath on http://localhost:<port>:
two sites, so the leadpath frame is third-party and the browser keeps none of its cookies.
The platform stand-in (tests/support/storage_platform.py) answers the postMessages as the
LTI Platform Storage specification says.
"""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import func, select

from lti_tool.models import LaunchSession, PlatformUser
from tests.support.loopback import serve_wsgi
from tests.support.storage_platform import StoragePlatform, storage_log


@pytest.fixture
def tool(make_app):
    """leadpath on http://localhost:<port>, recording what reaches /lti/launch."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(base_url=f"http://localhost:{port}")
    launches: list[dict] = []

    def recording(environ, start_response):
        if environ.get("PATH_INFO") == "/lti/launch":
            launches.append(
                {
                    "method": environ["REQUEST_METHOD"],
                    "cookie": environ.get("HTTP_COOKIE"),
                    "proof": environ.get("HTTP_X_LEADPATH_PLATFORM_STORAGE"),
                }
            )
        return app(environ, start_response)

    with serve_wsgi(recording, port):
        yield app, f"http://localhost:{port}", launches


@pytest.fixture
def lms(tool, db, unique):
    _app, base, _launches = tool
    with StoragePlatform(unique, base) as platform:
        yield platform.register(db)


def _sessions_of(db, issuer: str) -> int:
    with db.sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(LaunchSession)
            .join(PlatformUser, PlatformUser.id == LaunchSession.platform_user_id)
            .where(PlatformUser.issuer == issuer)
        )


def test_launch_through_platform_storage_with_third_party_cookies_blocked(
    third_party_cookies_blocked, tool, lms, db
):
    page = third_party_cookies_blocked
    _app, base, launches = tool
    page.goto(lms.course_url("storage"))
    frame = _tool_frame(page)
    frame.get_by_text("Jo Bloggs").first.wait_for()
    assert frame.locator("body").evaluate("() => location.href").startswith(base + "/home?ls=")
    # The id_token came back without the state cookie; the proven request launched.
    assert [(x["method"], x["proof"]) for x in launches] == [
        ("POST", None),
        ("POST", "confirmed"),
    ]
    assert all("leadpath-state-" not in (x["cookie"] or "") for x in launches)
    [auth] = lms.auth_requests
    log = storage_log(page)
    assert [(e["subject"], e.get("key")) for e in log] == [
        ("lti.capabilities", None),
        ("lti.put_data", "state_" + auth["state"]),
        ("lti.put_data", "nonce_" + auth["nonce"]),
        ("lti.capabilities", None),
        ("lti.get_data", "state_" + auth["state"]),
        ("lti.get_data", "nonce_" + auth["nonce"]),
    ]
    assert {e["origin"] for e in log} == {base}
    assert _sessions_of(db, lms.origin) == 1


def test_without_platform_storage_or_cookies_the_launch_ends_on_a_clear_page(
    third_party_cookies_blocked, tool, lms, db
):
    page = third_party_cookies_blocked
    page.goto(lms.course_url("none"))
    frame = _tool_frame(page)
    frame.get_by_text("This launch could not be accepted").wait_for()
    text = frame.locator("main").inner_text()
    assert "did not send back the cookie" in text
    assert _error_code(frame) == "state_cookie_missing"
    assert "Something went wrong" not in text
    assert _sessions_of(db, lms.origin) == 0


def test_a_platform_that_never_answers_falls_back_to_the_cookie_login(
    third_party_cookies_blocked, tool, lms, db
):
    page = third_party_cookies_blocked
    _app, base, launches = tool
    page.goto(lms.course_url("silent"))
    frame = _tool_frame(page)
    frame.get_by_text("This launch could not be accepted").wait_for(timeout=20000)
    assert _error_code(frame) == "state_cookie_missing"
    # The storage page gave up and started a plain login, the only one the platform saw.
    assert len(lms.auth_requests) == 1
    assert [x["proof"] for x in launches] == [None]
    assert _sessions_of(db, lms.origin) == 0


def test_storage_holding_another_value_refuses_the_launch(
    third_party_cookies_blocked, tool, lms, db
):
    page = third_party_cookies_blocked
    _app, _base, launches = tool
    page.goto(lms.course_url("tamper"))
    frame = _tool_frame(page)
    frame.get_by_text("This launch could not be accepted").wait_for()
    text = frame.locator("main").inner_text()
    assert "did not confirm that this launch began in this browser" in text
    assert _error_code(frame) == "platform_storage_unconfirmed"
    assert [x["proof"] for x in launches] == [None]
    assert _sessions_of(db, lms.origin) == 0


def _tool_frame(page):
    """The leadpath frame, found afresh at each use (a launch navigates it several times)."""
    return page.frame_locator('iframe[name="tool"]')


def _error_code(frame) -> str | None:
    """Return the failed check's code the error page carries (under "Technical details")."""
    return frame.locator("[data-error-code]").first.get_attribute("data-error-code")
