"""LTI Platform Storage, server side: the login page, the launch check page, and the proof.

The browser half (the script talking to a platform's frame) runs in chromium in
tests/e2e/test_platform_storage_browser.py.
"""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.lti_helpers import LAUNCH_URL, LTI, error_code, post_launch, start_login

TARGET = "post_message_forwarding"
PROOF = {"X-Leadpath-Platform-Storage": "confirmed", "Origin": "http://localhost"}


def _data(response) -> dict:
    """Return the data-* attributes of the page's #lti-storage element."""
    text = response.get_data(as_text=True)
    tag = re.search(r'id="lti-storage"[^>]*>', text, re.S).group(0)
    return {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


def storage_login(client, platform, target=TARGET):
    """Start a login that offers platform storage; return (state, nonce, page)."""
    query = {
        "iss": platform.issuer,
        "login_hint": "hint-1",
        "target_link_uri": LAUNCH_URL,
        "client_id": platform.client_id,
        "lti_storage_target": target,
    }
    page = client.get("/lti/login", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    data = _data(page)
    return data["state"], data["nonce"], page


def test_login_with_a_storage_target_answers_with_a_page_that_stores_state_and_nonce(
    client, platform
):
    state, nonce, page = storage_login(client, platform)
    data = _data(page)
    sent = parse_qs(urlsplit(data["next"]).query)
    assert data["next"].startswith(platform.issuer + "/auth?")
    assert sent["state"] == [state] and sent["nonce"] == [nonce]
    assert data["platform-origin"] == platform.issuer
    assert data["target"] == TARGET and data["step"] == "login"
    fallback = urlsplit(data["fallback"])
    assert fallback.path == "/lti/login"
    assert "lti_storage_target" not in parse_qs(fallback.query)
    assert parse_qs(fallback.query)["iss"] == [platform.issuer]
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    # A strict Content-Security-Policy is coming: no inline script or style on this page.
    assert re.findall(r"<script(?![^>]*\bsrc=)", text) == []
    assert "style=" not in text and "<style" not in text
    assert '<script src="/static/lti-storage.js" defer>' in text
    # The cookie is set too, for browsers that keep it.
    assert any(c.startswith("leadpath-state-") for c in page.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ['"><script>alert(1)</script>', "", "a" * 65, "two words"])
def test_a_storage_target_that_is_no_frame_name_means_a_plain_cookie_login(
    client, platform, target
):
    state, _nonce, response = start_login(client, platform, lti_storage_target=target)
    assert response.status_code == 302 and state


def test_storage_login_skips_the_cookie_check_page_under_https(make_app, db, platform):
    app = make_app(base_url="https://leadpath.example.test")
    response = app.test_client().get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "login_hint": "h",
            "target_link_uri": "https://leadpath.example.test/lti/launch",
            "client_id": platform.client_id,
            "lti_storage_target": "_parent",
        },
    )
    assert response.status_code == 200
    assert _data(response)["target"] == "_parent"
    assert "lti1p3-warning-msg" not in response.get_data(as_text=True)


def test_launch_without_the_cookie_asks_the_platform_storage_and_uses_nothing_up(app, platform):
    state, nonce, _ = storage_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce))
    no_cookies = app.test_client()
    check = post_launch(no_cookies, state, token)
    assert check.status_code == 200
    data = _data(check)
    assert data == {
        "step": "launch",
        "platform-origin": platform.issuer,
        "target": TARGET,
        "state": state,
        "nonce": nonce,
    }
    text = check.get_data(as_text=True)
    assert 'action="http://localhost/lti/launch"' in text
    assert f'name="id_token" value="{token}"' in text
    assert check.headers["Cache-Control"] == "no-store"
    # Only the proven request launches; the first answer used nothing up.
    landed = no_cookies.post("/lti/launch", data={"id_token": token, "state": state}, headers=PROOF)
    assert landed.status_code == 200, landed.get_data(as_text=True)
    assert landed.get_json()["location"].startswith("/home?ls=")
    page = no_cookies.get(landed.get_json()["location"])
    assert page.status_code == 200 and "Jo Bloggs" in page.get_data(as_text=True)


def test_a_proven_launch_is_used_up_once(app, platform):
    state, nonce, _ = storage_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce))
    browser = app.test_client()
    data = {"id_token": token, "state": state}
    assert browser.post("/lti/launch", data=data, headers=PROOF).status_code == 200
    again = browser.post("/lti/launch", data=data, headers={**PROOF, "Accept": "application/json"})
    assert again.status_code == 400
    assert again.get_json()["error"] == "launch_replayed"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Leadpath-Platform-Storage": "confirmed"},
        {**PROOF, "Origin": "https://attacker.example.test"},
        {**PROOF, "Origin": "http://localhost:8080"},
        {**PROOF, "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["no-origin", "other-site", "other-port", "cross-site-fetch"],
)
def test_the_proof_is_refused_from_anywhere_but_leadpath_itself(app, platform, headers):
    state, nonce, _ = storage_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce))
    refused = app.test_client().post(
        "/lti/launch", data={"id_token": token, "state": state}, headers=headers
    )
    assert refused.status_code == 403
    assert error_code(refused) == "platform_storage_origin"


def test_the_proof_does_not_replace_the_cookie_of_a_login_without_platform_storage(app, platform):
    state, nonce, _ = start_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce))
    refused = app.test_client().post(
        "/lti/launch", data={"id_token": token, "state": state}, headers=PROOF
    )
    assert error_code(refused) == "state_cookie_missing"


def test_a_storage_login_whose_cookie_came_back_launches_at_once(client, platform):
    state, nonce, _ = storage_login(client, platform)
    landed = post_launch(client, state, platform.sign(platform.claims(nonce)))
    assert landed.status_code == 303 and landed.location.startswith("/home?ls=")


def test_a_bad_token_is_refused_before_the_platform_is_asked(app, platform):
    state, nonce, _ = storage_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce, **{LTI + "deployment_id": "unknown-dep"}))
    refused = post_launch(app.test_client(), state, token)
    assert error_code(refused) == "deployment_unknown"
    wrong_nonce = post_launch(app.test_client(), state, platform.sign(platform.claims("n")))
    assert error_code(wrong_nonce) == "nonce_mismatch"
