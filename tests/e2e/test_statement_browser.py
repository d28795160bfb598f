"""The LRS browser in chromium: filters by name and picker, counts, charts, details, URLs."""

from __future__ import annotations

import re
import uuid

import pytest

from xapi.lrs import admins, authority_for, store_statements

PASSWORD = "correct horse battery staple"
VERBS = "http://adlnet.gov/expapi/verbs/"


def _statement(learner, verb, day, activity, name, registration=None):
    body = {
        "actor": {"objectType": "Agent", "account": {"homePage": "http://x", "name": learner}},
        "verb": {"id": VERBS + verb, "display": {"en-GB": verb}},
        "object": {
            "objectType": "Activity",
            "id": f"http://x/activities/{activity}",
            "definition": {"name": {"en-GB": name}},
        },
        "stored": f"{day}T12:00:00.000Z",
        "timestamp": f"{day}T12:00:00.000Z",
    }
    if registration:
        body["context"] = {"registration": registration}
    return body


@pytest.fixture
def signed_in(page, live_server, app, unique):
    engine = app.extensions["leadpath.db"].engine
    admins.set_admin(engine, f"browser-{unique}", PASSWORD)
    page.goto(live_server + "/admin/lrs")
    page.get_by_label("Username").fill(f"browser-{unique}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/lrs")
    return page


def test_filters_and_counts(signed_in, live_server, app, unique):
    page = signed_in
    engine = app.extensions["leadpath.db"].engine
    learner = f"sb-{unique}"
    registration = str(uuid.uuid4())
    statements = [
        _statement(learner, "attempted", "2025-01-10", f"a-{unique}", f"Huddle {unique}"),
        _statement(learner, "completed", "2025-01-10", f"a-{unique}", f"Huddle {unique}"),
        _statement(learner, "completed", "2025-01-12", f"b-{unique}", f"Audit {unique}",
                   registration),
    ]  # fmt: skip
    authority = authority_for("sb", "statement browser test", "http://x")
    store_statements(engine, statements, authority=authority, keep_stored=True)

    def count() -> int:
        return int(page.locator("[data-count]").get_attribute("data-count"))

    page.get_by_label("Learner").fill(learner)
    page.get_by_role("button", name="Show statements").click()
    page.wait_for_load_state()
    assert count() == 3
    assert page.get_by_role("img", name="Statements per day").is_visible()
    assert page.get_by_role("img", name="Statements per verb").is_visible()
    assert f"learner={learner}" in page.url  # the filter state is the URL

    option = page.locator(f'#verb option[value="{VERBS}completed"]').inner_text().strip()
    assert re.fullmatch(r"completed \(\d+\)", option)  # picked by its display name
    page.get_by_label("Verb", exact=True).select_option(label=option)
    page.get_by_role("button", name="Show statements").click()
    page.wait_for_load_state()
    assert count() == 2

    page.get_by_label("Activity").fill(f"audit {unique}")
    page.get_by_role("button", name="Show statements").click()
    page.wait_for_load_state()
    assert count() == 1 and f"Showing Audit {unique}" in page.content()

    page.get_by_role("link", name="Details").first.click()
    page.wait_for_url("**/admin/lrs/statements/*")
    page.get_by_role("link", name="Statements of this registration").click()
    page.wait_for_url("**registration=*")
    assert count() == 1 and f"registration={registration}" in page.url

    page.goto(f"{live_server}/admin/lrs?learner={learner}&from=2025-01-11&to=2025-01-31")
    assert count() == 1
    page.reload()  # the same URL gives the same view
    assert count() == 1 and page.get_by_label("Stored from").input_value() == "2025-01-11"
