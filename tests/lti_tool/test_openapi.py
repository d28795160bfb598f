"""/xapi/openapi.json describes the LRS and admin routes, and schemathesis finds no 5xx in them.

Schemathesis reads the served description and sends each operation a bounded number of cases
built from it (valid and invalid), with an LRS key of every scope, or an administrator's
session; every answer must be below 500. The run is bounded so the file takes well under a
minute.
"""

import re
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.xapi.lrs.conftest import basic
from xapi.lrs import admins, create_credential

PASSWORD = "correct horse battery staple"


def _served_document() -> dict:
    """Return the description an app serves (read once, from an app with no database)."""
    from lti_tool import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(
            {
                "base_url": "http://localhost",
                "database_url": "sqlite://",
                "data_dir": data_dir,
                "secret_key": "description-only",
            }
        )
        return app.test_client().get("/xapi/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_served_document())


def test_the_description_is_served_and_names_every_lrs_and_admin_route(client, app):
    response = client.get("/xapi/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/xapi/", "/admin/"))
        and not rule.rule.startswith(("/xapi/profile", "/xapi/openapi"))
    }
    assert served == set(document["paths"])
    statements = document["paths"]["/xapi/statements"]
    assert {"get", "put", "post"} <= set(statements)
    assert document["components"]["securitySchemes"]["lrsKey"]["scheme"] == "basic"
    assert document["paths"]["/xapi/about"]["get"]["security"] == []


@pytest.fixture
def credentials(app, unique):
    engine = app.extensions["leadpath.db"].engine
    key, secret = create_credential(engine, f"fuzz {unique}", ["all", "define"])
    admins.set_admin(engine, f"fuzz-{unique}", PASSWORD)
    admin = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/login").text)[1]
    admin.post(
        "/admin/login",
        data={"username": f"fuzz-{unique}", "password": PASSWORD, "csrf_token": token},
    )
    cookie = admin.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return {"Authorization": basic(key, secret)}, {app.config["SESSION_COOKIE_NAME"]: cookie}


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_a_server_error(case, app, credentials):
    lrs_headers, admin_cookies = credentials
    headers = dict(case.headers or {})
    if case.path.startswith("/xapi/"):
        headers.setdefault("Authorization", lrs_headers["Authorization"])
    response = case.call(app=app, headers=headers, cookies=admin_cookies)
    case.validate_response(response, checks=[not_a_server_error])
