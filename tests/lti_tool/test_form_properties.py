"""Property: no form or page of leadpath, whatever is typed into it, gets a 5xx.

For every route of the app outside the LRS (which has its own properties, and the launch, see
tests/lti_tool/lti/test_launch_properties.py), hypothesis sends the route's methods with any
text in its path, and form fields or query parameters named after the fields leadpath's
templates and views use (values of any text, sent as raw UTF-8 bytes, lone surrogates
included), as a learner, an instructor, an administrator and someone anonymous.
"""

import re
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.identity_helpers import open_session
from tests.support.json_strategies import TEXT
from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, launch
from xapi.lrs import admins

TEMPLATES = Path(__file__).resolve().parents[2] / "lti_tool" / "templates"
FIELDS = sorted(
    {m for t in TEMPLATES.rglob("*.html") for m in re.findall(r'name="([\w-]+)', t.read_text())}
    | {"ls", "csrf_token", "code", "identity", "answer", "action", "score_maximum", "next"}
    | {"username", "password", "after", "from", "to", "learner", "verb", "course", "voided"}
    | {"stage-x", "comment-x", "email", "group", "revision", "role", "column_label"}
)
SKIPPED = ("/xapi", "/static", "/lti/launch", "/lti/register", "/demo/auth")
EXAMPLES = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PASSWORD = "correct horse battery staple"


def _routes(app) -> list[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIPPED):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return sorted(found)


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        from lti_tool import create_app

        # the url map only: every route this app serves, listed without touching a database
        with tempfile.TemporaryDirectory() as data_dir:
            app = create_app(
                {
                    "base_url": "http://localhost",
                    "database_url": "sqlite://",
                    "data_dir": data_dir,
                    "secret_key": "routes-only",
                    "demo": True,
                }
            )
        routes = _routes(app)
        metafunc.parametrize("route", routes, ids=[f"{m} {r}" for m, r in routes])


@pytest.fixture
def people(app, client, platform, unique):
    """Launch tokens of a learner and an instructor, and an administrator's client."""
    custom = {LTI + "custom": {"framework": "lf-2011"}}
    learner = open_session(client, platform, f"learner-{unique}")
    response = launch(client, platform, sub=f"teacher-{unique}", roles=[INSTRUCTOR], **custom)
    instructor = response.location.split("ls=", 1)[1].split("&", 1)[0]
    launch(client, platform, sub=f"other-{unique}", roles=[LEARNER])
    admins.set_admin(app.extensions["leadpath.db"].engine, f"admin-{unique}", PASSWORD)
    admin = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/login").text)[1]
    admin.post(
        "/admin/login",
        data={"username": f"admin-{unique}", "password": PASSWORD, "csrf_token": token},
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/lrs").text)[1]
    return {"learner": learner, "instructor": instructor, "admin": (admin, csrf)}


def _fill(rule: str, values: list[str]) -> str:
    parts = re.split(r"<(?:[a-z]+:)?\w+>", rule)
    path = parts[0]
    for part, value in zip(parts[1:], values, strict=False):
        path += quote(value.encode("utf-8", "surrogatepass"), safe="") + part
    return path


FUZZ_ADDRESS = "192.0.2.77"  # TEST-NET-1 (RFC 5737)


@EXAMPLES
@given(
    who=st.sampled_from(["learner", "instructor", "admin", "anonymous"]),
    path_values=st.lists(TEXT.filter(lambda t: t not in {"", ".", ".."}), min_size=3, max_size=3),
    fields=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=5),
)
def test_any_form_input_never_gives_a_server_error(
    app, client, people, route, who, path_values, fields
):
    method, rule = route
    path = _fill(rule, path_values)
    sender = client
    fields = dict(fields)
    if who in {"learner", "instructor"}:
        fields.setdefault("ls", people[who])
    elif who == "admin":
        sender, csrf = people["admin"]
        fields.setdefault("csrf_token", csrf)
    encoded = urlencode(fields, encoding="utf-8", errors="surrogatepass")
    # From an address of its own: wrong passwords sent to /admin/login lock the sender's address
    # (by design), which must not lock the other tests' sign-ins from 127.0.0.1.
    elsewhere = {"REMOTE_ADDR": FUZZ_ADDRESS}
    if method == "GET":
        response = sender.get(f"{path}?{encoded}", environ_base=elsewhere)
    else:
        response = sender.open(
            path,
            method=method,
            data=encoded.encode(),
            content_type="application/x-www-form-urlencoded",
            environ_base=elsewhere,
        )
    assert response.status_code < 500, (method, path, fields, response.text[:300])


@pytest.mark.parametrize(
    "path", ["/frameworks/%00/x", "/frameworks?x=%00", "/xapi/activities?activityId=a%00"]
)
def test_a_nul_character_in_an_address_is_refused_by_name(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_field_is_refused_by_name(client, platform):
    token = open_session(client, platform, "nul-form")
    response = client.post("/identity/link", data={"ls": token, "code": "AB\x00CD"})
    assert response.status_code == 400 and "NUL character" in response.text
