"""Helpers for browser tests: launching from the demo platforms, fitting narrow screens."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.lti_helpers import LTI

# A launch session works only from the browser that launched: the browser tests' chromium and
# the HTTP launches these helpers make present one User-Agent, as one learner's browser would.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) leadpath-tests Chrome/130.0 Safari/537.36"

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


def lti_launch(live_server, platform, sub, roles, custom, link_id, **extra):
    """Launch over HTTP as the platform would; return the launch session token.

    `extra` claims replace the test platform's defaults (None removes one).
    """
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    target = live_server + "/lti/launch"
    login = http.get(
        live_server + "/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": sub,
            "target_link_uri": target,
            "client_id": platform.client_id,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302, login.text
    sent = parse_qs(urlsplit(login.headers["Location"]).query)
    claims = platform.claims(
        sent["nonce"][0],
        roles=roles,
        sub=sub,
        **{
            LTI + "target_link_uri": target,
            LTI + "custom": custom,
            LTI + "resource_link": {"id": link_id, "title": link_id},
            **extra,
        },
    )
    landed = http.post(
        target,
        data={"id_token": platform.sign(claims), "state": sent["state"][0]},
        allow_redirects=False,
        timeout=10,
    )
    assert landed.status_code == 303, landed.text
    return landed.headers["Location"].split("ls=")[1]


class Visitor:
    """A learner's or supervisor's forms posted over HTTP, to set up what a page shows."""

    def __init__(self, live_server: str, token: str):
        self.base, self.token, self.http = live_server, token, requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def get(self, path: str) -> str:
        response = self.http.get(self.base + path, params={"ls": self.token}, timeout=10)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    def post(self, path: str, data: dict, status=(200, 201, 303)):
        response = self.http.post(
            self.base + path, data={"ls": self.token, **data}, allow_redirects=False, timeout=10
        )
        assert response.status_code in status, (path, response.status_code, response.text[:500])
        return response


def watch_csp(page) -> list[str]:
    """Collect every Content-Security-Policy violation chromium reports in the page."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    return violations
