"""Browser tests: Playwright driving Debian's chromium against leadpath served on loopback."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.support.browser import USER_AGENT
from tests.support.services import unavailable

CHROMIUM = os.environ.get("LEADPATH_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def playwright():
    if not Path(CHROMIUM).exists():
        unavailable(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def third_party_cookies_blocked(playwright, tmp_path):
    """A chromium profile whose setting blocks third-party cookies, as many learners' do."""
    import json

    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)
    # cookie_controls_mode 1 is "Block third-party cookies" in chromium's settings.
    preferences = {"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    # The leadpath frame is cross-site here, and chromium would run it out of process. Playwright
    # then loses, about once in thirty launches, the frame's last navigation (chromium shows
    # /home while Playwright still reports /lti/launch and waits forever on its document), so
    # the frame stays in the page's process. Cookies are still blocked by site, not by process.
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--disable-site-isolation-trials"],
        user_agent=USER_AGENT,
    )
    opened = context.pages[0] if context.pages else context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(user_agent=USER_AGENT)
    opened = context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    context.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(base_settings):
    """leadpath (with its demo platform) served on a loopback port; yields its base URL."""
    from lti_tool import create_app
    from tests.support.loopback import serve_wsgi

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({**base_settings, "base_url": base, "demo": True})
    with serve_wsgi(app, port) as url:
        yield url
    app.extensions["leadpath.db"].engine.dispose()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(f"axe-core is missing at {AXE}: run `npm install --prefix tests/node`")
    return AXE.read_text()


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_RUN = """async (tags) => await axe.run(document, {
  runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})"""


@pytest.fixture
def axe(axe_source):
    """Run axe-core's WCAG 2.2 A and AA rules in a page; return every violation (any impact)."""

    def run(page) -> list[dict]:
        if not page.evaluate("() => Boolean(window.axe)"):
            page.evaluate(axe_source)  # as the page's own script would: no inline tag added
        result = page.evaluate(AXE_RUN, WCAG_TAGS)
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]

    return run
