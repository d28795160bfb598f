"""Malformed input to the LRS answers 400 with a sentence naming the problem, never a 500.

Each request here answered 500 before: JSON nested thousands of levels deep (in a statement
body, a multipart part, the agent parameter and a posted State document), a lone surrogate,
superscript digits as a limit, `more` links not made by the LRS, and timestamps outside the
years a database can hold.
"""

import base64
import json

import pytest

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
STATE = "/xapi/activities/state"
AGENT = json.dumps({"mbox": "mailto:learner@example.test"})


def _refused(response, *words):
    assert response.status_code == 400, response.get_data(as_text=True)
    message = response.get_json()["message"]
    for word in words:
        assert word in message, message
    return message


def _json(headers):
    return {**headers, "Content-Type": "application/json"}


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_a_deeply_nested_statement_body_is_refused(client, headers, body):
    response = client.post("/xapi/statements", data=body, headers=_json(headers))
    _refused(response, "The statement body", "nested more than 64 levels")


def test_a_statement_nested_just_below_the_limit_is_stored(client, headers, make_statement):
    deep = {"v": 1}
    for _ in range(55):
        deep = {"a": deep}
    statement = make_statement(result={"extensions": {"https://leadpath.example/x": deep}})
    response = client.post("/xapi/statements", json=statement, headers=headers)
    assert response.status_code == 200


def test_a_deeply_nested_multipart_statement_part_is_refused(client, headers):
    body = b"--B\r\nContent-Type: application/json\r\n\r\n" + DEEP_ARRAY.encode() + b"\r\n--B--\r\n"
    response = client.post(
        "/xapi/statements",
        data=body,
        headers={**headers, "Content-Type": "multipart/mixed; boundary=B"},
    )
    _refused(response, "multipart", "nested more than 64 levels")


@pytest.mark.parametrize("path", ["/xapi/statements", STATE])
def test_a_deeply_nested_agent_parameter_is_refused(client, headers, path):
    query = {"agent": DEEP_ARRAY[:20_000] + DEEP_ARRAY[-20_000:]}
    if path == STATE:
        query["activityId"] = "https://leadpath.example/activities/a"
    response = client.get(path, query_string=query, headers=headers)
    assert response.get_json()["field"] == "agent"
    _refused(response, "agent:", "nested more than 64 levels")


def test_a_deeply_nested_state_document_post_is_refused_and_nothing_is_stored(client, headers):
    query = {"agent": AGENT, "activityId": "https://leadpath.example/a", "stateId": "deep"}
    response = client.post(STATE, query_string=query, data=DEEP_OBJECT, headers=_json(headers))
    _refused(response, "The posted document", "nested more than 64 levels")
    assert client.get(STATE, query_string=query, headers=headers).status_code == 404


def test_a_lone_surrogate_in_a_statement_is_refused(client, headers, make_statement):
    body = json.dumps(make_statement()).replace('"Learner"', '"Jo \\ud800"')
    response = client.post("/xapi/statements", data=body, headers=_json(headers))
    _refused(response, "lone surrogate", "not a Unicode character")


def test_a_lone_surrogate_in_an_agent_parameter_is_refused(client, headers):
    agent = '{"mbox":"mailto:jo\\ud800@example.test"}'
    response = client.get(
        STATE,
        query_string={"agent": agent, "activityId": "https://leadpath.example/a"},
        headers=headers,
    )
    _refused(response, "agent:", "lone surrogate")


def test_a_lone_surrogate_in_a_merged_state_document_is_refused(client, headers):
    query = {"agent": AGENT, "activityId": "https://leadpath.example/a", "stateId": "text"}
    assert client.put(STATE, query_string=query, data=b"{}", headers=_json(headers)).status_code
    response = client.post(
        STATE, query_string=query, data=b'{"b":"\\ud800"}', headers=_json(headers)
    )
    _refused(response, "The posted document", "lone surrogate")


def test_a_nul_character_in_a_statement_is_refused(client, headers, make_statement):
    statement = make_statement()
    statement["actor"]["name"] = "Jo\u0000Bloggs"
    response = client.post("/xapi/statements", json=statement, headers=headers)
    _refused(response, "NUL character", "cannot be stored")


def test_a_backslash_before_u0000_is_ordinary_text(client, headers, make_statement):
    statement = make_statement()
    statement["actor"]["name"] = "Jo\\u0000Bloggs"
    response = client.post("/xapi/statements", json=statement, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("limit", ["²", "¹", "٣", "-1", "1e3", " 1", "9" * 40])
def test_a_limit_not_in_ascii_digits_is_refused(client, headers, limit):
    response = client.get("/xapi/statements", query_string={"limit": limit}, headers=headers)
    assert response.get_json()["field"] == "limit"
    _refused(response, "limit:", "digits 0 to 9")


def _unsigned(token: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


FORGED = {
    "unsigned, as links used to be": _unsigned({"q": {}, "a": [1, 2]}),
    "a huge after": _unsigned({"q": {}, "a": [10**30, 1]}),
    "a query that is a list": _unsigned({"q": [], "a": [1, 1]}),
    "an agent that is a number": _unsigned({"q": {"agent": 5}, "a": [1, 1]}),
    "not base64": "%%%",
    "not UTF-8": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "deeply nested": base64.urlsafe_b64encode(DEEP_ARRAY[:5000].encode()).decode(),
    "empty": "",
}


@pytest.mark.parametrize("more", FORGED.values(), ids=FORGED.keys())
def test_a_more_link_the_lrs_did_not_make_is_refused(client, headers, more):
    response = client.get("/xapi/statements", query_string={"more": more}, headers=headers)
    assert response.get_json()["field"] == "more"
    _refused(response, "more:", "not one this LRS made")


def test_a_more_link_whose_signed_query_was_changed_is_refused(
    client, headers, make_statement, unique
):
    learner = f"more-{unique}"
    client.post(
        "/xapi/statements", json=[make_statement(learner) for _ in range(3)], headers=headers
    )
    agent = json.dumps({"account": {"homePage": "https://lms.example.ac.uk", "name": learner}})
    first = client.get(
        "/xapi/statements", query_string={"agent": agent, "limit": "2"}, headers=headers
    ).get_json()
    assert len(first["statements"]) == 2 and first["more"]
    cursor = first["more"].split("more=", 1)[1]
    rest = client.get(first["more"], headers=headers).get_json()
    assert len(rest["statements"]) == 1
    payload, _, signature = cursor.partition(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    response = client.get("/xapi/statements", query_string={"more": tampered}, headers=headers)
    _refused(response, "more:")


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0000-01-01T00:00:00Z"]
)
def test_a_timestamp_outside_what_utc_can_hold_is_refused(client, headers, moment):
    response = client.get("/xapi/statements", query_string={"since": moment}, headers=headers)
    _refused(response, "since:")
    response = client.get(
        STATE,
        query_string={"agent": AGENT, "activityId": "https://leadpath.example/a", "since": moment},
        headers=headers,
    )
    _refused(response, "since:")


def test_the_latest_moment_is_still_a_valid_query(client, headers):
    response = client.get(
        "/xapi/statements", query_string={"since": "9999-12-31T23:59:59Z"}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["statements"] == []
