"""xAPI 1.0.3 and 2.0.0 side by side: each request is served in the version its header names."""

import json
from urllib.parse import urlencode

import pytest

V1, V2 = "1.0.3", "2.0.0"
AGENT = {"objectType": "Agent", "mbox": "mailto:versions@example.org"}


def _with(headers: dict, version: str | None) -> dict:
    out = {k: v for k, v in headers.items() if k != "X-Experience-API-Version"}
    if version is not None:
        out["X-Experience-API-Version"] = version
    return out


@pytest.fixture
def requests_by_resource(make_statement, new_id, unique):
    """A valid request to every resource: name -> (method, path, query, body, extra headers)."""
    activity = f"https://leadpath.example/activities/versions-{unique}"
    agent = json.dumps({**AGENT, "mbox": f"mailto:versions-{unique}@example.org"})
    return {
        "statements GET": ("GET", "/xapi/statements", {"limit": 1}, None, {}),
        "statements POST": ("POST", "/xapi/statements", {}, make_statement(), {}),
        "statements PUT": (
            "PUT",
            "/xapi/statements",
            {"statementId": new_id()},
            make_statement(),
            {},
        ),
        "state PUT": (
            "PUT",
            "/xapi/activities/state",
            {"activityId": activity, "agent": agent, "stateId": f"s-{new_id()}"},
            {"a": 1},
            {},
        ),
        "state GET": (
            "GET",
            "/xapi/activities/state",
            {"activityId": activity, "agent": agent},
            None,
            {},
        ),
        "activity profile PUT": (
            "PUT",
            "/xapi/activities/profile",
            {"activityId": activity, "profileId": f"p-{new_id()}"},
            {"a": 1},
            {"If-None-Match": "*"},
        ),
        "activity profile GET": (
            "GET",
            "/xapi/activities/profile",
            {"activityId": activity},
            None,
            {},
        ),
        "agent profile POST": (
            "POST",
            "/xapi/agents/profile",
            {"agent": agent, "profileId": f"p-{new_id()}"},
            {"a": 1},
            {},
        ),
        "agent profile GET": ("GET", "/xapi/agents/profile", {"agent": agent}, None, {}),
        "activities": ("GET", "/xapi/activities", {"activityId": activity}, None, {}),
        "agents": ("GET", "/xapi/agents", {"agent": agent}, None, {}),
        "about": ("GET", "/xapi/about", {}, None, {}),
    }


RESOURCES = [
    "statements GET",
    "statements POST",
    "statements PUT",
    "state PUT",
    "state GET",
    "activity profile PUT",
    "activity profile GET",
    "agent profile POST",
    "agent profile GET",
    "activities",
    "agents",
    "about",
]


def _send(client, headers, request, version):
    method, path, query, body, extra = request
    kwargs = {"query_string": query, "headers": {**_with(headers, version), **extra}}
    if body is not None:
        kwargs["json"] = body
    return client.open(path, method=method, **kwargs)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    "version,answered", [("1.0.3", V1), ("1.0", V1), ("1.0.1", V1), ("2.0.0", V2), ("2.0", V2)]
)
def test_every_resource_answers_in_the_version_asked(
    client, headers, requests_by_resource, resource, version, answered
):
    """Communication 3.3 / 2.0 4.1.1: every answer names its version, the one asked in."""
    response = _send(client, headers, requests_by_resource[resource], version)
    assert response.status_code in {200, 204}, response.data
    assert response.headers["X-Experience-API-Version"] == answered


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("version", [None, "3.0.0", "0.95", "2.1.0"])
def test_every_resource_but_about_refuses_a_missing_or_unknown_version(
    client, headers, requests_by_resource, resource, version
):
    response = _send(client, headers, requests_by_resource[resource], version)
    assert response.headers["X-Experience-API-Version"] == V1
    if resource == "about":
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "X-Experience-API-Version" in response.json["message"]


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r != "about"])
def test_errors_in_xapi_2_are_answered_in_xapi_2(client, headers, requests_by_resource, resource):
    method, path, query, body, extra = requests_by_resource[resource]
    response = client.open(
        path,
        method=method,
        query_string={**query, "colour": "red"},
        headers={**_with(headers, V2), **extra},
        json=body,
    )
    assert response.status_code == 400 and "colour" in response.json["message"]
    assert response.headers["X-Experience-API-Version"] == V2


def _form_post(client, path, method, fields, headers=None):
    return client.post(
        f"{path}?method={method}",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers or {},
    )


def test_the_alternate_request_syntax_is_refused_in_xapi_2(client, headers, make_statement, new_id):
    """xAPI 2.0 removed the alternate request syntax; 1.0.3 keeps it (Communication 1.3)."""
    fields = {"statementId": new_id(), "content": json.dumps(make_statement())}
    in_form = _form_post(client, "/xapi/statements", "PUT", {**_with(headers, V2), **fields})
    assert in_form.status_code == 400 and "alternate" in in_form.json["message"]
    assert in_form.headers["X-Experience-API-Version"] == V2
    in_header = _form_post(
        client,
        "/xapi/statements",
        "GET",
        {"Authorization": headers["Authorization"]},
        headers={"X-Experience-API-Version": V2},
    )
    assert in_header.status_code == 400 and "alternate" in in_header.json["message"]
    allowed = _form_post(client, "/xapi/statements", "PUT", {**_with(headers, V1), **fields})
    assert allowed.status_code == 204
    got = client.get(
        "/xapi/statements", query_string={"statementId": fields["statementId"]}, headers=headers
    )
    assert got.status_code == 200


def _contexts(unique):
    coach = {"objectType": "Agent", "mbox": f"mailto:coach-{unique}@example.org"}
    team = {
        "objectType": "Group",
        "mbox": f"mailto:team-{unique}@example.org",
        "member": [{"objectType": "Agent", "mbox": f"mailto:member-{unique}@example.org"}],
    }
    return (
        coach,
        team,
        {
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": coach,
                    "relevantTypes": ["https://leadpath.example/roles/educational-supervisor"],
                }
            ],
            "contextGroups": [{"objectType": "contextGroup", "group": team}],
        },
    )


@pytest.mark.parametrize("where", ["statement", "substatement"])
def test_context_agents_and_groups_are_stored_in_xapi_2_and_refused_in_1_0_3(
    client, headers, make_statement, unique, where
):
    """2.0 Data 4.2.2.5: contextAgents and contextGroups; 1.0.3 has no such properties."""
    _, _, context = _contexts(unique)
    statement = make_statement(context=context)
    if where == "substatement":
        inner = make_statement(context=context)
        del inner["object"]["definition"]
        statement = make_statement(object={"objectType": "SubStatement", **inner})
    refused = client.post("/xapi/statements", json=statement, headers=headers)
    assert refused.status_code == 400
    assert "contextAgents" in refused.json["message"] and "2.0.0" in refused.json["message"]
    (sid,) = client.post("/xapi/statements", json=statement, headers=_with(headers, V2)).json
    got = client.get(
        "/xapi/statements", query_string={"statementId": sid}, headers=_with(headers, V2)
    )
    holder = got.json if where == "statement" else got.json["object"]
    assert holder["context"]["contextAgents"] == context["contextAgents"]
    assert holder["context"]["contextGroups"] == context["contextGroups"]
    assert got.json["version"] == V2


@pytest.mark.parametrize(
    "change",
    [
        {"contextAgents": {"objectType": "contextAgent", "agent": AGENT}},
        {"contextAgents": [{"objectType": "contextGroup", "agent": AGENT}]},
        {"contextAgents": [{"agent": AGENT}]},
        {"contextAgents": [{"objectType": "contextAgent"}]},
        {"contextAgents": [{"objectType": "contextAgent", "agent": {"key": "x"}}]},
        {
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"objectType": "Group", "mbox": "mailto:g@example.org"},
                }
            ]
        },
        {"contextAgents": [{"objectType": "contextAgent", "agent": AGENT, "relevantTypes": []}]},
        {
            "contextAgents": [
                {"objectType": "contextAgent", "agent": AGENT, "relevantTypes": ["abc"]}
            ]
        },
        {"contextAgents": [{"objectType": "contextAgent", "agent": AGENT, "role": "x"}]},
        {"contextAgents": None},
        {"contextGroups": [{"objectType": "contextGroup", "group": AGENT}]},
        {"contextGroups": [{"objectType": "contextGroup", "group": {"key": "x"}}]},
        {
            "contextGroups": [
                {
                    "objectType": "Should fail",
                    "group": {"objectType": "Group", "mbox": "mailto:g@example.org"},
                }
            ]
        },
        {
            "contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": {"objectType": "Group", "mbox": "mailto:g@example.org"},
                    "relevantTypes": "https://t.example",
                }
            ]
        },
    ],
)
def test_malformed_context_agents_and_groups_are_refused_in_xapi_2(
    client, headers, make_statement, change
):
    response = client.post(
        "/xapi/statements", json=make_statement(context=change), headers=_with(headers, V2)
    )
    assert response.status_code == 400
    assert response.json["field"].startswith("statement.context.context")


def test_related_agents_finds_context_agents_and_groups(client, headers, make_statement, unique):
    coach, team, context = _contexts(unique)
    v2 = _with(headers, V2)
    (sid,) = client.post("/xapi/statements", json=make_statement(context=context), headers=v2).json

    def ids(agent, **extra):
        query = {"agent": json.dumps(agent), **extra}
        found = client.get("/xapi/statements", query_string=query, headers=v2).json
        return [s["id"] for s in found["statements"]]

    member = team["member"][0]
    for agent in (coach, team, member):
        assert ids(agent, related_agents="true") == [sid]
        assert ids(agent) == []


def test_format_ids_reduces_context_agents_to_their_identifiers(
    client, headers, make_statement, unique
):
    coach, team, context = _contexts(unique)
    coach_named = {**coach, "name": "Dr Coach"}
    context["contextAgents"][0]["agent"] = coach_named
    v2 = _with(headers, V2)
    (sid,) = client.post("/xapi/statements", json=make_statement(context=context), headers=v2).json
    got = client.get(
        "/xapi/statements", query_string={"statementId": sid, "format": "ids"}, headers=v2
    ).json
    assert got["context"]["contextAgents"][0]["agent"] == coach
    assert (
        got["context"]["contextAgents"][0]["relevantTypes"]
        == (context["contextAgents"][0]["relevantTypes"])
    )
    assert got["context"]["contextGroups"][0]["group"] == {
        "objectType": "Group",
        "mbox": team["mbox"],
    }


def test_a_statement_stored_in_1_0_3_reads_the_same_in_xapi_2(client, headers, make_statement):
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=headers).json
    query = {"statementId": sid}
    in_1 = client.get("/xapi/statements", query_string=query, headers=headers)
    in_2 = client.get("/xapi/statements", query_string=query, headers=_with(headers, V2))
    assert in_1.json == in_2.json and in_2.json["version"] == "1.0.0"
    assert in_2.headers["X-Experience-API-Version"] == V2


def test_a_statement_stored_in_xapi_2_reads_the_same_in_1_0_3(client, headers, make_statement):
    """Its version stays 2.0.0: an LRS returns statements with the version they came with."""
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=_with(headers, V2)).json
    query = {"statementId": sid}
    in_1 = client.get("/xapi/statements", query_string=query, headers=headers)
    in_2 = client.get("/xapi/statements", query_string=query, headers=_with(headers, V2))
    assert in_1.status_code == 200 and in_1.json == in_2.json
    assert in_1.json["version"] == V2


def test_a_statement_with_context_agents_reads_unchanged_in_1_0_3(
    client, headers, make_statement, unique
):
    """1.0.3 has no contextAgents, but an LRS returns a statement as it received it (Data
    2.3.1, format=exact), so a 1.0.3 reader of a store written in both versions gets every
    statement, these properties included, never a refusal or a statement with parts missing.
    """
    _, _, context = _contexts(unique)
    learner = f"context-agents-{unique}"
    v2 = _with(headers, V2)
    (plain,) = client.post("/xapi/statements", json=make_statement(learner), headers=v2).json
    (sid,) = client.post(
        "/xapi/statements", json=make_statement(learner, context=context), headers=v2
    ).json
    single = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert single.status_code == 200 and single.headers["X-Experience-API-Version"] == V1
    assert single.json["context"]["contextAgents"] == context["contextAgents"]
    agent = json.dumps(make_statement(learner)["actor"])
    in_1 = client.get("/xapi/statements", query_string={"agent": agent}, headers=headers).json
    in_2 = client.get("/xapi/statements", query_string={"agent": agent}, headers=v2).json
    assert [s["id"] for s in in_1["statements"]] == [sid, plain]
    assert in_1["statements"] == in_2["statements"]


@pytest.mark.parametrize("version", [V1, V2])
def test_timestamps_are_stored_in_utc(client, headers, make_statement, version):
    """2.0 4.2.7: converted to UTC rather than refused; 1.0.3 Data 4.5 recommends UTC."""
    statement = make_statement(timestamp="2023-05-04T12:00:00.1234-05:00")
    (sid,) = client.post("/xapi/statements", json=statement, headers=_with(headers, version)).json
    got = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert got.json["timestamp"] == "2023-05-04T17:00:00.1234Z"


@pytest.mark.parametrize("timestamp", ["2023-05-04 12:00:00Z", "2023-05-04t12:00:00.5z"])
def test_rfc_3339_spellings_are_accepted_in_xapi_2_only(client, headers, make_statement, timestamp):
    statement = make_statement(timestamp=timestamp)
    refused = client.post("/xapi/statements", json=statement, headers=headers)
    assert refused.status_code == 400 and "timestamp" in refused.json["message"]
    (sid,) = client.post("/xapi/statements", json=statement, headers=_with(headers, V2)).json
    got = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert got.json["timestamp"] == timestamp.replace(" ", "T").replace("t", "T").replace("z", "Z")
    since = client.get(
        "/xapi/statements",
        query_string={"since": "2000-01-01 00:00:00Z", "limit": 1},
        headers=_with(headers, V2),
    )
    assert since.status_code == 200


@pytest.mark.parametrize("version,default", [(V1, "1.0.0"), (V2, V2)])
def test_a_statement_without_version_gets_the_version_it_was_sent_in(
    client, headers, make_statement, version, default
):
    (sid,) = client.post(
        "/xapi/statements", json=make_statement(), headers=_with(headers, version)
    ).json
    got = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert got.json["version"] == default


def test_a_duration_finer_than_a_hundredth_is_kept_in_xapi_2(client, headers, make_statement):
    """2.0 4.2.7: not refused; this LRS keeps it as sent (truncating is allowed, not required)."""
    statement = make_statement(result={"duration": "P1DT12H36M0.12567S"})
    (sid,) = client.post("/xapi/statements", json=statement, headers=_with(headers, V2)).json
    got = client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert got.json["result"]["duration"] == "P1DT12H36M0.12567S"


@pytest.mark.parametrize("version", [V1, V2])
def test_last_modified_on_statements_and_documents(
    client, headers, make_statement, unique, version
):
    """2.0 4.1.6.1-4.1.6.6: Last-Modified on a statement and on documents."""
    asked = _with(headers, version)
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=asked).json
    single = client.get("/xapi/statements", query_string={"statementId": sid}, headers=asked)
    assert single.headers["Last-Modified"]
    params = {
        "activityId": f"https://leadpath.example/activities/lm-{unique}",
        "agent": json.dumps({"mbox": f"mailto:lm-{unique}@example.org"}),
    }
    client.put(
        "/xapi/activities/state", query_string={**params, "stateId": "a"}, json={}, headers=asked
    )
    document = client.get(
        "/xapi/activities/state", query_string={**params, "stateId": "a"}, headers=asked
    )
    listing = client.get("/xapi/activities/state", query_string=params, headers=asked)
    assert document.headers["Last-Modified"] == listing.headers["Last-Modified"]
    empty = client.get(
        "/xapi/activities/state",
        query_string={**params, "since": "2999-01-01T00:00:00Z"},
        headers=asked,
    )
    assert empty.json == [] and "Last-Modified" not in empty.headers
