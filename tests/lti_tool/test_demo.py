"""The built-in demo platform launches leadpath through the real LTI 1.3 flow."""

import pytest

from tests.support.lti_helpers import autopost_fields


def _demo_launch(client, role):
    start = client.post("/demo/start", data={"role": role})
    assert start.status_code == 302 and "/lti/login?" in start.location
    to_platform = client.get(start.location)
    assert to_platform.status_code == 302 and "/demo/auth?" in to_platform.location
    auth = client.get(to_platform.location)
    assert auth.status_code == 200
    fields = autopost_fields(auth)
    assert set(fields) == {"id_token", "state"}
    return client.post("/lti/launch", data=fields)


def test_demo_learner_launch_greets_the_learner(client):
    landed = _demo_launch(client, "learner")
    assert landed.status_code == 303
    page = client.get(landed.location).get_data(as_text=True)
    assert "Hello, Alex Morgan" in page
    assert "Leadership in Practice (demo course)" in page
    assert "Leadership self-assessment" in page


def test_demo_instructor_launch_shows_the_course_page(client):
    landed = _demo_launch(client, "instructor")
    assert landed.location.startswith("/course?")
    page = client.get(landed.location).get_data(as_text=True)
    assert "Leadership in Practice (demo course)" in page
    assert "Signed in as Dr Sam Patel (instructor)" in page


def test_demo_page_offers_both_roles(client):
    page = client.get("/demo").get_data(as_text=True)
    assert 'value="learner"' in page and 'value="instructor"' in page


def test_demo_is_off_unless_enabled(make_app):
    app = make_app(demo=False)
    assert app.test_client().get("/demo").status_code == 404


def test_demo_platform_refuses_a_redirect_uri_that_is_not_the_tool(client):
    response = client.get(
        "/demo/auth",
        query_string={
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "client_id": "leadpath-demo",
            "redirect_uri": "https://evil.example/launch",
            "nonce": "n",
            "state": "s",
            "login_hint": "demo-learner",
            "lti_message_hint": "learner",
        },
    )
    assert response.status_code == 400
    assert "redirect_uri" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_demo_id_token_is_signed_with_the_demo_key_published_at_its_jwks(client, role):
    import jwt

    client.post("/demo/start", data={"role": role})
    jwks = client.get("/demo/jwks").get_json()
    start = client.post("/demo/start", data={"role": role})
    auth = client.get(client.get(start.location).location)
    token = autopost_fields(auth)["id_token"]
    key = jwt.PyJWK(jwks["keys"][0]).key
    body = jwt.decode(token, key, algorithms=["RS256"], audience="leadpath-demo")
    assert body["iss"] == "http://localhost/demo"
