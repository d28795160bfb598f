"""The nginx sample's headers: its policy only where the app sent none, and each header once.

nginx runs config/nginx-leadpath.conf in front of a small upstream on loopback that answers
with or without headers of its own, as leadpath's pages will once they send their own policy.
"""

from __future__ import annotations

import requests
from werkzeug.wrappers import Request, Response

from tests.support.loopback import serve_wsgi
from tests.support.nginx import Nginx
from tests.support.serving import free_port

APP_POLICY = "default-src 'self'; frame-ancestors https://lms.example.test"


CONNECTIONS: list[tuple[str, str]] = []  # (the app's client port, Connection header) per request


@Request.application
def upstream(request: Request) -> Response:
    CONNECTIONS.append((request.environ["REMOTE_PORT"], request.headers.get("Connection", "")))
    response = Response(f"{request.path} via {request.headers.get('X-Forwarded-Proto')}")
    if request.path == "/own-policy":
        response.headers["Content-Security-Policy"] = APP_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Strict-Transport-Security"] = "max-age=60"
    return response


def _browser(nginx: Nginx) -> requests.Session:
    """A client of the site that trusts its test certificate and ignores proxy settings."""
    browser = requests.Session()
    browser.trust_env = False
    browser.verify = str(nginx.cert)
    return browser


def test_the_site_adds_its_policy_only_where_the_app_sent_none(tmp_path):
    with serve_wsgi(upstream) as url:
        nginx = Nginx(tmp_path, [url.removeprefix("http://")], free_port(), free_port())
        try:
            browser = _browser(nginx)
            own = browser.get(nginx.base + "/own-policy")
            bare = browser.get(nginx.base + "/no-policy")
            metrics = browser.get(nginx.base + "/metrics")  # allowed from loopback
            browser.get(nginx.base + "/home?ls=launch-token-1", headers={"Referer": "/x?ls=t2"})
            browser.get(nginx.base + "/feedback/r/rater-token-3")
            browser.get(nginx.base + "/lti/register?invitation=invite-token-4")
            logged = (tmp_path / "leadpath.access.log").read_text()
        finally:
            nginx.stop()
    assert own.text == "/own-policy via https"
    assert own.headers["Content-Security-Policy"] == APP_POLICY, "the app's policy alone"
    assert own.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert own.raw.headers.getlist("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"
    ], "nginx, which ends TLS, decides HSTS"
    policy = bare.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://moodle.example.ac.uk" in policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy
    assert "unsafe-inline" not in policy and "script-src 'self';" in policy
    assert bare.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "X-Frame-Options" not in bare.headers, "the learning platform shows leadpath in a frame"
    assert metrics.status_code == 200
    for token in ("launch-token-1", "t2", "rater-token-3", "invite-token-4"):
        assert token not in logged, "a bearer token is in nginx's access log"
    assert '"GET /home HTTP/1.1" 200' in logged
    assert '"GET /feedback/r/[redacted] HTTP/1.1" 200' in logged


def test_each_request_reaches_the_app_on_a_connection_of_its_own(tmp_path):
    """A kept-alive upstream connection the app closes as nginx sends a POST on it is a 502 that
    nginx does not retry; the site opens a new connection per request and asks for it closed."""
    CONNECTIONS.clear()
    with serve_wsgi(upstream) as url:
        nginx = Nginx(tmp_path, [url.removeprefix("http://")], free_port(), free_port())
        try:
            browser = _browser(nginx)
            answers = [browser.post(nginx.base + f"/answer/{n}", data={"n": n}) for n in range(6)]
        finally:
            nginx.stop()
    assert [a.status_code for a in answers] == [200] * 6
    assert len(CONNECTIONS) == 6 and len({port for port, _ in CONNECTIONS}) == 6
    assert {header.lower() for _, header in CONNECTIONS} == {"close"}
