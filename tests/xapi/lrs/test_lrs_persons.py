"""The Agents resource: names from statements, identifiers joined by the app's resolver.

Without a resolver every identifier is a person of its own; the LRS is served here on a plain
Flask app to show it needs nothing of leadpath.
"""

import json

import pytest
from flask import Flask

from xapi.lrs import http as lrs_http
from xapi.lrs.persons import MAX_IDENTIFIERS, StatementReads

HOME = "http://localhost"
LMS = "https://lms.example.ac.uk"


def _person(client, headers, agent: dict):
    response = client.get(
        "/xapi/agents", query_string={"agent": json.dumps(agent)}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json


def _account(name: str, home: str = HOME) -> dict:
    return {"homePage": home, "name": name}


def _post(client, headers, *statements: dict) -> list[str]:
    response = client.post("/xapi/statements", json=list(statements), headers=headers)
    assert response.status_code == 200, response.text
    return response.json


def test_person_merges_the_names_statements_gave_the_agent_newest_first(
    client, headers, make_statement, unique
):
    learner = make_statement()["actor"]
    renamed = dict(learner, name="Ann Jones")
    tutor = {"objectType": "Agent", "name": "Tutor", "mbox": f"mailto:tutor-{unique}@example.org"}
    _post(client, headers, make_statement())  # actor named "Learner"
    _post(client, headers, make_statement(actor=renamed))
    _post(
        client,
        headers,
        make_statement(actor=tutor, object=dict(learner, name="A. Jones"), verb="mentored"),
    )
    asked = {"account": learner["account"]}
    person = _person(client, headers, asked)
    assert person == {
        "objectType": "Person",
        "name": ["A. Jones", "Ann Jones", "Learner"],
        "account": [learner["account"]],
    }
    assert _person(client, headers, {"mbox": tutor["mbox"]})["name"] == ["Tutor"]


def test_an_unknown_agent_gives_a_person_with_just_its_identifier(client, headers, unique):
    account = _account(f"nobody-{unique}", LMS)
    assert _person(client, headers, {"account": account}) == {
        "objectType": "Person",
        "account": [account],
    }
    mbox = f"mailto:nobody-{unique}@example.org"
    assert _person(client, headers, {"objectType": "Agent", "mbox": mbox}) == {
        "objectType": "Person",
        "mbox": [mbox],
    }


def test_a_bad_agent_parameter_is_refused_naming_the_parameter(client, headers):
    for agent in ("not json", json.dumps({"name": "No identifier"}), json.dumps([1])):
        response = client.get("/xapi/agents", query_string={"agent": agent}, headers=headers)
        assert response.status_code == 400, agent
        assert response.json["message"].startswith("agent") and "Traceback" not in response.text
    missing = client.get("/xapi/agents", headers=headers)
    assert missing.status_code == 400 and missing.json["field"] == "agent"


def _bare_lrs(engine, **resolver):
    """Serve the LRS alone on a plain Flask app, as another application would."""
    bare = Flask("bare-lrs")
    lrs_http.init_app(bare, engine, "https://lrs.example.org", **resolver)
    return bare.test_client()


def _same_as(former: str, surviving: str) -> dict:
    """A statement that, for the resolver below, says `former` is `surviving`'s old address."""
    return {
        "actor": {"objectType": "Agent", "mbox": surviving},
        "verb": {"id": "https://lrs.example.org/verbs/was-known-as"},
        "object": {"objectType": "Agent", "mbox": former},
    }


class WasKnownAs:
    """A resolver of another deployment: "was known as" statements join two mailboxes."""

    verb = "https://lrs.example.org/verbs/was-known-as"

    def __init__(self):
        self.asked: list[dict] = []

    def same_person(self, agent: dict, reads: StatementReads):
        self.asked.append(agent)
        for statement in reads.find(self.verb, agent=agent, limit=50):
            for side in (statement["actor"], statement["object"]):
                if side.get("mbox") != agent.get("mbox"):
                    yield {"objectType": "Agent", "mbox": side["mbox"]}


@pytest.fixture
def mailboxes(unique):
    return [f"mailto:p{i}-{unique}@example.org" for i in range(MAX_IDENTIFIERS + 3)]


def test_without_a_resolver_every_identifier_is_a_person_of_its_own(engine, headers, mailboxes):
    client = _bare_lrs(engine)
    _post(client, headers, _same_as(mailboxes[0], mailboxes[1]))
    assert _person(client, headers, {"mbox": mailboxes[0]}) == {
        "objectType": "Person",
        "mbox": [mailboxes[0]],
    }


def test_an_injected_resolver_joins_identifiers_and_links_of_links(engine, headers, mailboxes):
    resolver = WasKnownAs()
    client = _bare_lrs(engine, persons=resolver)
    _post(client, headers, _same_as(mailboxes[0], mailboxes[1]))
    _post(client, headers, _same_as(mailboxes[1], mailboxes[2]))
    person = _person(client, headers, {"mbox": mailboxes[0]})
    assert person == {"objectType": "Person", "mbox": mailboxes[:3]}
    assert [a["mbox"] for a in resolver.asked] == mailboxes[:3]


def test_a_resolver_is_followed_to_at_most_max_identifiers(engine, headers, mailboxes):
    client = _bare_lrs(engine, persons=WasKnownAs())
    chain = [_same_as(a, b) for a, b in zip(mailboxes, mailboxes[1:], strict=False)]
    _post(client, headers, *chain)
    person = _person(client, headers, {"mbox": mailboxes[0]})
    assert person["mbox"] == mailboxes[:MAX_IDENTIFIERS]


def test_a_resolver_reads_only_what_the_key_may_read(engine, headers, headers_for, mailboxes):
    resolver = WasKnownAs()
    client = _bare_lrs(engine, persons=resolver)
    _post(client, headers, _same_as(mailboxes[0], mailboxes[1]))
    mine = headers_for("statements/read/mine", "statements/write")
    assert _person(client, mine, {"mbox": mailboxes[0]})["mbox"] == [mailboxes[0]]
    _post(client, mine, _same_as(mailboxes[0], mailboxes[2]))
    assert _person(client, mine, {"mbox": mailboxes[0]})["mbox"] == [mailboxes[0], mailboxes[2]]
    resolver.asked.clear()
    state_only = headers_for("state")
    assert _person(client, state_only, {"mbox": mailboxes[0]})["mbox"] == [mailboxes[0]]
    assert resolver.asked == []  # keys that cannot read statements never reach the resolver
