"""Platform-supplied URLs that become a redirect or a form action: https, or loopback in
development, and never `javascript:`, `data:` or an address carrying credentials."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from lti_tool.lti.platform_urls import allowed, web_address
from lti_tool.lti.registry import RegistryError, add_platform
from lti_tool.models import Platform
from lti_tool.settings import load_settings
from tests.support.lti_helpers import error_code, start_login

HOSTILE = [
    "javascript:alert(document.domain)//",
    "data:text/html,<script>alert(1)</script>",
    "https://user:secret@lms.example.test/auth",
    "https://lms.example.test\\@evil.example/auth",
    "//evil.example/auth",
    "https://",
]


@pytest.mark.parametrize(
    "auth_url",
    ["javascript:alert(document.domain)//", "http://lms.example.test/auth", *HOSTILE[1:3]],
)
def test_a_login_never_redirects_to_an_unsafe_authentication_url(client, db, platform, auth_url):
    with db.transaction() as session:  # as an earlier release or a hand edit could have left it
        session.execute(
            update(Platform)
            .where(Platform.issuer == platform.issuer)
            .values(auth_login_url=auth_url)
        )
    state, _, response = start_login(client, platform)
    assert state is None
    assert 400 <= response.status_code < 500
    assert error_code(response) == "platform_url_refused"
    assert "Location" not in response.headers
    assert auth_url not in response.get_data(as_text=True) or auth_url.startswith("http://")


@pytest.mark.parametrize("url", HOSTILE)
def test_the_registry_refuses_addresses_that_are_not_http(db, unique, url):
    with pytest.raises(RegistryError, match="--auth-url must be an http"), db.transaction() as s:
        add_platform(
            s,
            issuer=f"https://lms-{unique}.example.test",
            client_id="c",
            deployment_ids=["d"],
            auth_login_url=url,
            auth_token_url=f"https://lms-{unique}.example.test/token",
            key_set_url=f"https://lms-{unique}.example.test/jwks",
        )


def test_http_is_allowed_only_on_loopback_in_development():
    development = load_settings(
        {}, base_url="http://127.0.0.1:8000", registration_private_addresses=True
    )
    production = load_settings({}, base_url="https://leadpath.example.ac.uk")
    assert allowed(development, "http://127.0.0.1:9000/auth")
    assert not allowed(development, "http://lms.example.test/auth")
    assert not allowed(production, "http://127.0.0.1:9000/auth")
    assert allowed(production, "https://lms.example.test/auth")
    for url in HOSTILE:
        assert not allowed(development, url) and not web_address(url), url
