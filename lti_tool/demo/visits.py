"""A person's visits to leadpath from a demo organisation, as a browser makes them.

`leadpath demo seed` uses these to go through leadpath's own pages with a Flask test client:
the demo platform's OIDC launch, then the forms a learner, rater or supervisor sends.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from lti_tool.demo import catalogue as cat


class Browser:
    """One person's visits to leadpath from a demo organisation."""

    def __init__(self, app: Flask):
        self.client = app.test_client()

    def launch(self, platform: cat.DemoPlatform, activity: str, person: cat.Person) -> str:
        """Launch through the demo's OIDC flow; return the launch session token."""
        login = self.client.get(
            "/lti/login",
            query_string={
                "iss": _issuer(self.client.application, platform),
                "login_hint": person.sub,
                "target_link_uri": _url(self.client.application, "/lti/launch"),
                "lti_message_hint": f"{platform.key}:{activity}:{person.key}",
                "client_id": platform.client_id,
                "lti_deployment_id": platform.deployment_id,
            },
        )
        _expect(login, 302)
        auth = self.client.get(_path(login.location))
        _expect(auth, 200)
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', auth.get_data(as_text=True)))
        landed = self.client.post(
            "/lti/launch", data={k: html.unescape(v) for k, v in fields.items()}
        )
        _expect(landed, 303)
        return parse_qs(urlsplit(landed.location).query)["ls"][0]

    def get(self, path: str, token: str, **query) -> str:
        """Return a page's text (200 expected)."""
        page = self.client.get(path, query_string={"ls": token, **query})
        _expect(page, 200)
        return page.get_data(as_text=True)

    def post(self, path: str, token: str | None, data: dict, *, status=(200, 201, 303)):
        """Post a form and return the response."""
        if token is not None:
            data = {"ls": token, **data}
        response = self.client.post(path, data=data)
        _expect(response, *status)
        return response


def _url(app: Flask, path: str) -> str:
    return app.config["LEADPATH"].url(path)


def _issuer(app: Flask, platform: cat.DemoPlatform) -> str:
    return _url(app, platform.issuer_path)


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


def _expect(response, *statuses) -> None:
    if response.status_code not in statuses:
        text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
        raise RuntimeError(
            f"{response.request.method} {response.request.path} answered "
            f"{response.status_code}: {' '.join(text.split())[:300]}"
        )


def revision_on(page: str) -> str:
    """Return the hidden revision field of a form page."""
    return re.search(r'name="revision" value="(\d+)"', page).group(1)
