"""The LRS's Agents resource under leadpath's rule: accounts merged by a link are one person.

The rule (`lti_tool.identity.lrs_persons.LearnerLinks`) is the resolver the app gives its LRS;
statements are posted and the Person read back through the LRS's HTTP API.
"""

import base64
import json
import uuid

import pytest

from lti_tool.identity import lrs_persons
from tests.support.identity_helpers import (
    enter_code,
    forward_to_embedded_lrs,
    get_code,
    open_session,
    user_of,
)
from tests.support.lti_helpers import make_platform
from xapi.lrs import create_credential
from xapi.statements import vocabulary as v

HOME = "http://localhost"
LMS = "https://lms.example.ac.uk"


@pytest.fixture
def headers_for(db):
    """Return LRS request headers carrying a new credential with the given scopes."""

    def _make(*scopes: str) -> dict:
        key, secret = create_credential(db.engine, "test", list(scopes))
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}

    return _make


@pytest.fixture
def headers(headers_for):
    return headers_for("all")


@pytest.fixture
def make_statement(unique):
    """Return a valid statement about a learner unique to the test."""

    def _make(**extra) -> dict:
        statement = {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "name": "Learner",
                "account": _account(f"learner-{unique}", LMS),
            },
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/attempted",
                "display": {"en": "attempted"},
            },
            "object": {
                "objectType": "Activity",
                "id": f"https://leadpath.example/activities/{unique}",
            },
        }
        statement.update(extra)
        return statement

    return _make


def _person(client, headers, agent: dict):
    response = client.get(
        "/xapi/agents", query_string={"agent": json.dumps(agent)}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json


def _account(name: str, home: str = HOME) -> dict:
    return {"homePage": home, "name": name}


def _link_statement(surviving: str, former: str) -> dict:
    """A linked-identity statement as leadpath makes it when `former` merges into `surviving`."""
    return {
        "actor": {"objectType": "Agent", "account": _account(surviving)},
        "verb": {"id": v.LINKED.iri(HOME), "display": {"en": "linked identity"}},
        "object": {"objectType": "Activity", "id": f"{HOME}/lti/platforms/other"},
        "context": {
            "extensions": {
                v.FORMER_ACCOUNT.iri(HOME): {"objectType": "Agent", "account": _account(former)}
            }
        },
    }


def _post(client, headers, *statements: dict) -> list[str]:
    response = client.post("/xapi/statements", json=list(statements), headers=headers)
    assert response.status_code == 200, response.text
    return response.json


def test_after_a_link_each_account_gives_the_person_with_both_accounts(
    app, client, db, headers_for, unique
):
    a = make_platform(unique + "a").register(db)
    b = make_platform(unique + "b").register(db)
    token_a = open_session(client, a, "person-a")
    token_b = open_session(client, b, "person-b")
    former = user_of(db, b, "person-b").learner_id
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303
    surviving = user_of(db, a, "person-a").learner_id
    assert surviving != former
    forward_to_embedded_lrs(db, app, f"persons-{unique}", [a.issuer, b.issuer])

    reader = headers_for("statements/read")
    of_surviving = _person(client, reader, {"account": _account(surviving)})
    assert of_surviving["account"] == [_account(surviving), _account(former)]
    of_former = _person(client, reader, {"account": _account(former)})
    assert of_former["account"] == [_account(former), _account(surviving)]


def test_an_old_link_is_found_through_the_former_accounts_voided_statements(
    client, headers, make_statement, monkeypatch, unique
):
    former, surviving = f"former-{unique}", f"surviving-{unique}"
    original = make_statement(actor={"objectType": "Agent", "account": _account(former)})
    (original_id,) = _post(client, headers, original)
    voiding = {
        "actor": {"objectType": "Agent", "account": _account(surviving)},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en": "voided"}},
        "object": {"objectType": "StatementRef", "id": original_id},
    }
    _post(client, headers, _link_statement(surviving, former), voiding)
    # A newer link of someone else pushes this one out of the store-wide scan of links.
    monkeypatch.setattr(lrs_persons, "LINK_SCAN", 1)
    _post(client, headers, _link_statement(f"other-{unique}", f"other-former-{unique}"))
    person = _person(client, headers, {"account": _account(former)})
    assert person["account"] == [_account(former), _account(surviving)]


def test_a_former_account_without_statements_is_found_among_the_newest_links(
    client, headers, unique
):
    former, surviving = f"quiet-{unique}", f"surviving-{unique}"
    _post(client, headers, _link_statement(surviving, former))
    person = _person(client, headers, {"account": _account(former)})
    assert person["account"] == [_account(former), _account(surviving)]


def test_links_of_links_make_one_person(client, headers, unique):
    first, second, third = (f"{n}-{unique}" for n in ("first", "second", "third"))
    _post(client, headers, _link_statement(second, first))
    _post(client, headers, _link_statement(third, second))
    person = _person(client, headers, {"account": _account(first)})
    assert person["account"] == [_account(first), _account(second), _account(third)]


def test_keys_that_cannot_read_statements_learn_only_what_they_asked(
    client, headers, headers_for, make_statement, unique
):
    former, surviving = f"private-{unique}", f"surviving-{unique}"
    _post(client, headers, _link_statement(surviving, former), make_statement())
    state_only = headers_for("state")
    assert _person(client, state_only, {"account": _account(former)}) == {
        "objectType": "Person",
        "account": [_account(former)],
    }
    learner = {"account": make_statement()["actor"]["account"]}
    assert "name" not in _person(client, state_only, learner)
    mine = headers_for("statements/read/mine")
    assert _person(client, mine, {"account": _account(former)})["account"] == [_account(former)]
