"""The built-in demo platform launches leadpath through the real LTI 1.3 flow."""

import re

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


def _launch_from(client, platform, activity, role):
    start = client.post(
        "/demo/start", data={"platform": platform, "activity": activity, "role": role}
    )
    assert start.status_code == 302, start.get_data(as_text=True)
    auth = client.get(client.get(start.location).location)
    return client.post("/lti/launch", data=autopost_fields(auth))


def test_the_demo_offers_three_organisations_their_people_and_three_activities(client):
    page = client.get("/demo").get_data(as_text=True)
    for name in ("University of Northbridge", "Riverside Hospitals NHS Trust"):
        assert name in page
    assert "Meridian Community Health" in page
    for label in ("Dr Tom Okafor, educational supervisor", "Chris Walsh, CPD lead"):
        assert label in page
    for activity in ("Leadership self-assessment", "360 feedback", "Supervisor validation"):
        assert len(re.findall(rf">\s*{activity}\s*</label>", page)) == 3
    assert page.count('name="platform"') == 3


@pytest.mark.parametrize(
    ("platform", "activity", "role", "lands", "expected"),
    [
        ("trust", "360", "learner", "/home", "Open 360 feedback"),
        ("trust", "validation", "mentor", "/home", "Open supervisor validation"),
        ("employer", "self", "instructor", "/course", "Leadership CPD programme 2026"),
        (
            "employer",
            "self",
            "learner",
            "/home",
            "Continuing professional development (CPD) career phase",
        ),
    ],
)
def test_each_organisation_launches_each_kind_of_user(
    client, platform, activity, role, lands, expected
):
    landed = _launch_from(client, platform, activity, role)
    assert landed.status_code == 303 and landed.location.startswith(lands + "?")
    page = client.get(landed.location).get_data(as_text=True)
    assert expected in page
    names = {"trust": "Riverside Hospitals NHS Trust", "employer": "Meridian Community Health"}
    assert f'class="lp-header__institution">{names[platform]}<' in page


def test_an_unknown_organisation_or_person_is_refused(client):
    response = client.post("/demo/start", data={"platform": "nowhere", "role": "learner"})
    assert response.status_code == 400
    response = client.post("/demo/start", data={"platform": "trust", "role": "dean"})
    assert response.status_code == 400


def test_the_demo_shows_a_working_lrs_administrator_sign_in(app, client):
    page = client.get("/demo").get_data(as_text=True)
    username, password = re.findall(r"<code>([^<]+)</code>", page)[:2]
    assert username == "demo-admin" and len(password) >= 12
    login = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    signed_in = client.post(
        "/admin/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/lrs").status_code == 200


def test_the_trusts_programme_lead_lands_on_the_foundation_schools_programme_view(client):
    trainee = _launch_from(client, "trust", "self", "learner")
    assert trainee.status_code == 303
    for _ in range(2):  # the programme is defined once, whatever the number of launches
        landed = _launch_from(client, "trust", "validation", "lead")
        assert landed.status_code == 303 and landed.location.startswith("/programme?")
        page = client.get(landed.location).get_data(as_text=True)
        assert "Riverside Foundation School" in page
        assert "Dr Alex Morgan" in page
    demo = client.get("/demo").get_data(as_text=True)
    assert "Dr Mei Hughes, foundation school director (programme lead" in demo
    # A learner's launch from the trust carries no programme and lands on their own page.
    again = _launch_from(client, "trust", "self", "learner")
    assert again.location.startswith("/home?")
