"""The administrators' programmes page: define, scope, grant and remove, CSRF-checked."""

import html
import re

import pytest

from tests.support.lti_helpers import make_platform
from xapi.lrs import admins

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_client(app, db, unique):
    admins.set_admin(db.engine, f"admin-{unique}", PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/admin/login",
        data={"username": f"admin-{unique}", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get("/admin/programmes")
    client.token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client


def test_the_page_needs_an_administrator(client):
    response = client.get("/admin/programmes")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.post("/admin/programmes", data={"action": "add"}).status_code == 302


def test_an_administrator_defines_scopes_grants_and_removes(admin_client, db, unique):
    platform = make_platform(unique).register(db)
    slug = "adm-" + unique

    def post(**form):
        return admin_client.post(
            "/admin/programmes", data={"csrf_token": admin_client.token, **form}
        )

    assert post(action="add", programme=slug, title="Deanery South").status_code == 303
    assert (
        post(action="scope", programme=slug, issuer=platform.issuer, course="c-1").status_code
        == 303
    )
    assert (
        post(action="grant", programme=slug, issuer=platform.issuer, sub="lead-1").status_code
        == 303
    )
    page = html.unescape(admin_client.get("/admin/programmes").text)
    row = re.search(rf'data-programme="{slug}">(.*?)</tr>', page, re.S).group(1)
    assert "Deanery South" in row and "course c-1" in row and "lead-1 at" in row

    refused = post(action="grant", programme=slug, issuer="https://elsewhere.test", sub="x")
    assert refused.status_code == 400
    assert "does not include the platform" in html.unescape(refused.text)
    forged = admin_client.post("/admin/programmes", data={"action": "remove", "programme": slug})
    assert forged.status_code in (400, 403)
    assert post(action="remove", programme=slug).status_code == 303
    assert f'data-programme="{slug}"' not in admin_client.get("/admin/programmes").text
