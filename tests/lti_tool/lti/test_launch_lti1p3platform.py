"""Happy-path launches driven by `lti1p3platform`, an independent LTI 1.3 platform implementation.

Everything crosses real HTTP on loopback: leadpath is served by werkzeug, the platform's JWKS by
a second server, and the browser is a requests.Session that keeps cookies.
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import MessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration

from tests.support.loopback import JsonEndpoint, serve_wsgi
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, STUDENT, new_key


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.registration_data = kwargs

    def get_registration_by_params(self, **kwargs):
        return self.registration_data["registration"]


class PreflightLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class FormLaunch(MessageLaunchAbstract):
    def get_preflight_response(self):
        return self._request

    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


def _pem(key) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def served_tool(make_app):
    # The tool's base URL must be its real loopback address, so bind first and build after.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(base_url=f"http://127.0.0.1:{port}")
    with serve_wsgi(app, port) as base:
        yield app, base


def _platform(unique, base):
    key, _ = new_key()
    private, public = _pem(key)
    registration = (
        Registration()
        .set_iss(f"https://moodle-{unique}.example.test")
        .set_client_id(f"moodle-client-{unique}")
        .set_deployment_id(f"moodle-deployment-{unique}")
        .set_oidc_login_url(f"{base}/lti/login")
        .set_launch_url(f"{base}/lti/launch")
        .set_tool_key_set_url(f"{base}/lti/jwks")
        .set_platform_public_key(public)
        .set_platform_private_key(private)
    )
    return registration


def _register_with_cli_api(db, registration, jwks_url):
    from lti_tool.lti.registry import add_platform

    with db.transaction() as session:
        add_platform(
            session,
            issuer=registration.get_iss(),
            client_id=registration.get_client_id(),
            deployment_ids=[registration.get_deployment_id()],
            auth_login_url=registration.get_iss() + "/auth",
            auth_token_url=registration.get_iss() + "/token",
            key_set_url=jwks_url,
        )


def _launch(base, registration, roles, **user):
    conf = PlatformConf(registration=registration)
    browser = requests.Session()
    login = PreflightLogin(None, conf)
    login.set_lti_message_hint(hint="resource-link-42")
    preflight_url = login.initiate_login(user.get("sub", "moodle-user-7"))
    assert preflight_url.startswith(base + "/lti/login?")

    to_platform = browser.get(preflight_url, allow_redirects=False, timeout=10)
    assert to_platform.status_code == 302, to_platform.text
    auth_request = dict(parse_qsl(urlsplit(to_platform.headers["Location"]).query))

    message = FormLaunch(auth_request, conf)
    message.set_user_data(
        user.get("sub", "moodle-user-7"),
        roles,
        full_name=user.get("name"),
        email_address=user.get("email"),
    )
    message.set_resource_link_claim("resource-link-42", title="Leadership self-assessment")
    message.set_launch_context_claim(
        "course-9", context_title="Foundation Leadership", context_label="FLEAD"
    )
    message.set_custom_parameters_claim({"assessment": "self", "framework": "lf-2011"})
    form = message.lti_launch()
    assert form["launch_url"] == base + "/lti/launch"

    landed = browser.post(
        form["launch_url"],
        data={"id_token": form["id_token"], "state": form["state"]},
        allow_redirects=False,
        timeout=10,
    )
    return browser, landed


def test_lti1p3platform_learner_launch_lands_on_greeting_page(served_tool, db, unique):
    app, base = served_tool
    registration = _platform(unique, base)
    with JsonEndpoint({"keys": registration.get_jwks()}) as jwks:
        _register_with_cli_api(db, registration, jwks.url)
        browser, landed = _launch(
            base,
            registration,
            [LEARNER, STUDENT],
            name="Priya Shah",
            email="priya@uni.example.test",
        )
        assert landed.status_code == 303, landed.text
        page = browser.get(base + landed.headers["Location"], timeout=10)
    assert page.status_code == 200
    assert "Hello, Priya Shah" in page.text
    assert "Foundation Leadership" in page.text
    assert jwks.hits == 1


def test_lti1p3platform_instructor_launch_lands_on_course_page(served_tool, db, unique):
    app, base = served_tool
    registration = _platform(unique, base)
    with JsonEndpoint({"keys": registration.get_jwks()}) as jwks:
        _register_with_cli_api(db, registration, jwks.url)
        browser, landed = _launch(base, registration, [INSTRUCTOR], sub="teacher-1", name="Dr Lee")
        assert landed.status_code == 303, landed.text
        assert landed.headers["Location"].startswith("/course?")
        page = browser.get(base + landed.headers["Location"], timeout=10)
    assert page.status_code == 200
    assert "Foundation Leadership" in page.text
    assert "Leadership self-assessment" in page.text


def test_lti1p3platform_second_launch_reuses_cached_platform_keys(served_tool, db, unique):
    app, base = served_tool
    registration = _platform(unique, base)
    with JsonEndpoint({"keys": registration.get_jwks()}) as jwks:
        _register_with_cli_api(db, registration, jwks.url)
        for _ in range(3):
            _browser, landed = _launch(base, registration, [LEARNER])
            assert landed.status_code == 303
    assert jwks.hits == 1
