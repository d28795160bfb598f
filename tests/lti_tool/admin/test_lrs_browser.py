"""The LRS browser people can use: names instead of IRIs, counts, charts, links, safe CSV."""

import csv
import io
import re
import uuid

import pytest

from tests.support.lti_helpers import launch
from xapi.lrs import admins, authority_for, store_statements

PASSWORD = "correct horse battery staple"
AUTHORITY = authority_for("browser-test", "browser test", "http://localhost")
VERBS = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def engine(app):
    return app.extensions["leadpath.db"].engine


@pytest.fixture
def admin(app, engine, unique):
    admins.set_admin(engine, f"admin-{unique}", PASSWORD)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").text)
    form = {"username": f"admin-{unique}", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/admin/login", data=form).status_code == 302
    return client


def statement(account, verb="completed", day="2025-05-01", name=None, activity=None, **extra):
    body = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost", "name": account},
        },
        "verb": {"id": VERBS + verb, "display": {"en-GB": verb}},
        "object": {
            "objectType": "Activity",
            "id": f"http://localhost/activities/{activity or account}",
            "definition": {"name": {"en-GB": name or f"Self-assessment of {account}"}},
        },
        "stored": f"{day}T09:00:00.000Z",
        "timestamp": f"{day}T09:00:00.000Z",
    }
    body.update(extra)
    return body


def store(engine, *statements):
    return store_statements(engine, list(statements), authority=AUTHORITY, keep_stored=True)


def count_on(page: str) -> int:
    return int(re.search(r'data-count="(\d+)"', page).group(1))


def test_a_learner_is_found_by_name_and_statements_are_counted(admin, client, platform, engine):
    landed = launch(client, platform, sub="lrs-named", name="Morwenna Tregarthen")
    from lti_tool.models import PlatformUser

    with admin.application.app_context():
        from lti_tool.db import get_session

        learner = get_session().query(PlatformUser).filter_by(sub="lrs-named").one().learner_id
    assert landed.status_code == 303
    store(engine, *(statement(learner, day=f"2025-05-0{d}") for d in (1, 1, 2)))
    page = admin.get("/admin/lrs", query_string={"learner": "tregarthen"}).text
    assert count_on(page) == 3 and "3 statements match" in page
    assert "Showing Morwenna Tregarthen" in page and learner in page
    rows = re.findall(r'data-statement="[^"]+"', page)
    assert len(rows) == 3 and "Morwenna Tregarthen</a>" in page
    by_account = admin.get("/admin/lrs", query_string={"learner": learner}).text
    assert count_on(by_account) == 3


def test_several_learners_with_one_name_are_offered_as_choices(admin, client, platform, unique):
    launch(client, platform, sub="twin-a", name=f"Kit Twin {unique}")
    launch(client, platform, sub="twin-b", name=f"Kat Twin {unique}")
    page = admin.get("/admin/lrs", query_string={"learner": f"twin {unique}"}).text
    assert "Which learner do you mean?" in page
    choices = re.findall(r'<li><a href="(/admin/lrs\?[^"]*learner=[^"]+)">([^<]+)</a></li>', page)
    assert {label.split(" (")[0] for _, label in choices} == {
        f"Kit Twin {unique}",
        f"Kat Twin {unique}",
    }
    assert "data-count" not in page


def test_verbs_are_picked_by_display_name(admin, engine, unique):
    account = f"verbs-{unique}"
    store(engine, statement(account, "completed"), statement(account, "attempted"))
    page = admin.get("/admin/lrs").text
    assert re.search(
        rf'<option value="{re.escape(VERBS)}completed"[^>]*>\s*completed \(\d+\)', page
    )
    typed = admin.get("/admin/lrs", query_string={"learner": account, "verb": "completed"}).text
    assert count_on(typed) == 1
    picked = admin.get(
        "/admin/lrs", query_string={"learner": account, "verb": VERBS + "attempted"}
    ).text
    assert count_on(picked) == 1


def test_activities_and_courses_are_found_by_name(admin, engine, unique):
    account = f"acts-{unique}"
    course = f"http://localhost/courses/{unique}"
    grouped = statement(
        account,
        name=f"Ward leadership {unique}",
        context={
            "contextActivities": {
                "grouping": [
                    {"id": course, "definition": {"name": {"en-GB": f"Foundation year {unique}"}}}
                ]
            }
        },
    )
    store(engine, grouped, statement(account, name=f"Ward rounds {unique}", activity="rounds"))
    one = admin.get("/admin/lrs", query_string={"activity": f"leadership {unique}"}).text
    assert count_on(one) == 1 and f"Showing Ward leadership {unique}" in one
    several = admin.get("/admin/lrs", query_string={"activity": f"ward {unique}"}).text
    assert "Which activity do you mean?" in several and several.count("<li><a href=") == 2
    by_course = admin.get("/admin/lrs", query_string={"course": f"foundation year {unique}"}).text
    assert count_on(by_course) == 1
    unknown = admin.get("/admin/lrs", query_string={"course": f"no such {unique}"})
    assert unknown.status_code == 400 and 'href="#course"' in unknown.text


def test_figures_per_day_and_per_verb_match_the_filter(admin, engine, unique):
    account = f"figs-{unique}"
    store(
        engine,
        statement(account, "completed", "2025-04-01"),
        statement(account, "completed", "2025-04-01"),
        statement(account, "attempted", "2025-04-03"),
    )
    page = admin.get("/admin/lrs", query_string={"learner": account}).text
    assert 'role="img" viewBox' in page and "Statements per day" in page
    days = re.findall(
        r"Day </span>(\d\d \w{3} \d{4})</th>\s*<td[^>]*><span[^>]*>Statements </span>(\d+)", page
    )
    assert days == [("01 Apr 2025", "2"), ("02 Apr 2025", "0"), ("03 Apr 2025", "1")]
    verbs = re.findall(
        r'Verb </span><a href="[^"]+">(\w+)</a></th>\s*<td[^>]*><span[^>]*>Statements </span>(\d+)',
        page,
    )
    assert verbs == [("completed", "2"), ("attempted", "1")]
    dated = admin.get(
        "/admin/lrs", query_string={"learner": account, "from": "2025-04-02", "to": "2025-04-30"}
    ).text
    assert count_on(dated) == 1


def test_statement_details_link_to_the_same_registration_and_learner(admin, engine, unique):
    account = f"detail-{unique}"
    registration = str(uuid.uuid4())
    (sid,) = store(engine, statement(account, context={"registration": registration}))
    page = admin.get(f"/admin/lrs/statements/{sid}").text
    assert f"/admin/lrs?learner={account}" in page
    assert f"/admin/lrs?registration={registration}" in page
    same = admin.get("/admin/lrs", query_string={"registration": registration}).text
    assert count_on(same) == 1 and sid in same


def test_voided_statements_are_shown_on_request(admin, engine, unique):
    account = f"void-{unique}"
    (target,) = store(engine, statement(account))
    voiding = statement(account, "voided", object={"objectType": "StatementRef", "id": target})
    store(engine, voiding)
    plain = admin.get("/admin/lrs", query_string={"learner": account}).text
    assert f'data-statement="{target}"' not in plain and count_on(plain) == 1
    shown = admin.get("/admin/lrs", query_string={"learner": account, "voided": "1"}).text
    assert f'data-statement="{target}"' in shown and "Voided" in shown and count_on(shown) == 2


def test_every_filter_state_is_a_url(admin, engine, unique):
    account = f"urls-{unique}"
    store(engine, *(statement(account, day="2025-02-03") for _ in range(55)))
    page = admin.get("/admin/lrs", query_string={"learner": account, "verb": "completed"}).text
    assert re.search(r'<form method="get" action="/admin/lrs"', page)
    older = re.search(r'href="(/admin/lrs\?after=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"learner={account}" in older and "verb=completed" in older
    second = admin.get(older).text
    assert len(re.findall(r'data-statement="', second)) == 5 and count_on(second) == 55


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_csv_cells_that_would_run_as_formulas_are_escaped(admin, engine, unique, cell):
    account = f"csv-{uuid.uuid4().hex[:8]}"
    body = statement(account)
    body["actor"]["name"] = cell
    store(engine, body)
    text = admin.get("/admin/lrs/export.csv", query_string={"learner": account}).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][3] == "'" + cell
