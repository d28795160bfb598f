import json
import re

import pytest

from xapi.lrs import admins

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_client(app, engine, unique):
    admins.set_admin(engine, f"admin-{unique}", PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/admin/login",
        data={"username": f"admin-{unique}", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get("/admin/lrs")
    client.token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.token != token
    return client


def test_the_browser_needs_an_administrator(client):
    response = client.get("/admin/lrs")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_wrong_password_is_refused_with_a_sentence(client, engine, unique):
    admins.set_admin(engine, f"admin-{unique}", PASSWORD)
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/admin/login",
        data={"username": f"admin-{unique}", "password": "wrong", "csrf_token": token},
    )
    assert response.status_code == 401 and "do not match" in response.text


def test_sign_in_without_the_csrf_token_is_refused(client):
    response = client.post("/admin/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400


def test_filters_page_and_show_json(admin_client, client, headers, make_statement, unique, new_id):
    course = f"https://leadpath.example/courses/{unique}"
    registration = new_id()
    statements = [
        make_statement(
            context={
                "registration": registration,
                "contextActivities": {"grouping": [{"id": course}]},
            }
        )
        for _ in range(55)
    ]
    ids = client.post("/xapi/statements", json=statements, headers=headers).json
    first = admin_client.get(
        "/admin/lrs", query_string={"learner": f"learner-{unique}", "course": course}
    )
    assert first.status_code == 200 and first.text.count("/admin/lrs/statements/") == 50
    older = re.search(r'href="(/admin/lrs\?after=[^"]+)"', first.text).group(1)
    second = admin_client.get(older.replace("&amp;", "&"))
    assert second.text.count("/admin/lrs/statements/") == 5
    by_registration = admin_client.get(
        "/admin/lrs",
        query_string={
            "registration": registration,
            "verb": "http://adlnet.gov/expapi/verbs/attempted",
            "from": "2000-01-01",
            "to": "2999-12-31",
        },
    )
    assert by_registration.text.count("/admin/lrs/statements/") == 50
    shown = admin_client.get(f"/admin/lrs/statements/{ids[0]}")
    assert shown.status_code == 200 and f"&#34;id&#34;: &#34;{ids[0]}&#34;" in shown.text


def test_downloads_carry_the_filtered_set(admin_client, client, headers, make_statement, unique):
    ids = client.post(
        "/xapi/statements", json=[make_statement(), make_statement()], headers=headers
    ).json
    csv_text = admin_client.get(
        "/admin/lrs/export.csv", query_string={"learner": f"learner-{unique}"}
    ).text
    assert csv_text.splitlines()[0].startswith("id,stored") and len(csv_text.splitlines()) == 3
    jsonl = admin_client.get(
        "/admin/lrs/export.jsonl", query_string={"learner": f"learner-{unique}"}
    ).text
    assert [json.loads(line)["id"] for line in jsonl.splitlines()] == ids[::-1]


@pytest.mark.parametrize(
    "params",
    [
        {"verb": "no-such-verb-ever"},
        {"registration": "abc"},
        {"from": "yesterday"},
        {"to": "9999-12-31"},
        {"after": "x"},
    ],
)
def test_bad_filters_get_a_sentence(admin_client, params):
    response = admin_client.get("/admin/lrs", query_string=params)
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_forms_have_labels(admin_client):
    page = admin_client.get("/admin/lrs").text
    for field in ("learner", "verb", "activity", "course", "registration", "from", "to"):
        assert f'for="{field}"' in page and f'id="{field}"' in page
    assert 'name="voided"' in page
    assert "https://cdn" not in page


def test_logout_needs_the_token_and_ends_the_session(admin_client):
    assert admin_client.post("/admin/logout").status_code == 400
    assert (
        admin_client.post("/admin/logout", data={"csrf_token": admin_client.token}).status_code
        == 302
    )
    assert admin_client.get("/admin/lrs").status_code == 302


def test_a_paused_destination_is_shown_as_an_alert_on_the_admin_page(admin_client, app, unique):
    from xapi.outbox.destinations import add_destination, pause_destination

    db = app.extensions["leadpath.db"]
    name = f"deanery-{unique}"
    with db.transaction() as session:
        destination = add_destination(
            session, name=name, endpoint="https://lrs.deanery.test/xapi", key="k", secret="s"
        )
        session.flush()
        pause_destination(session, destination.id, "401 Unauthorized")
    page = admin_client.get("/admin/lrs").text
    assert f"LRS {name} is paused: 401 Unauthorized" in page
    with db.transaction() as session:
        from xapi.outbox.destinations import remove_destination

        remove_destination(session, name)
    assert f"LRS {name} is paused" not in admin_client.get("/admin/lrs").text


@pytest.mark.parametrize("name,value", [("to", "9999-12-31"), ("from", "0001-01-01")])
def test_a_date_at_the_edge_of_the_calendar_is_refused_beside_its_field(admin_client, name, value):
    response = admin_client.get("/admin/lrs", query_string={name: value})
    assert response.status_code == 400
    assert "date must be a real date" in response.text


@pytest.mark.parametrize("after", [f"{10**30}:1", "²:1", "1:2:3", "x"])
def test_a_page_link_out_of_range_or_damaged_is_refused(admin_client, after):
    response = admin_client.get("/admin/lrs", query_string={"after": after})
    assert response.status_code == 400
    assert "The page link is damaged" in response.text
