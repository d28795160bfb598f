"""Property: no statement, query or document sent to the LRS, however malformed, gets a 5xx.

Hypothesis sends valid statements with one part replaced by any JSON value, arbitrary JSON
bodies, query strings of any text (sent as raw UTF-8 bytes, lone surrogates included) and
documents of any content to the Statements, State, Activity Profile and Agent Profile
resources; every answer must be below 500.
"""

import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.json_strategies import TEXT, json_values

FIXTURES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
STATEMENT_PARTS = [
    "id", "actor", "verb", "object", "result", "context", "timestamp", "authority",
    "version", "attachments", "stored",
]  # fmt: skip
STATEMENT_ARGS = [
    "statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
    "related_activities", "related_agents", "since", "until", "limit", "format",
    "attachments", "ascending", "more", "method",
]  # fmt: skip
DOCUMENTS = {
    "/xapi/activities/state": ["activityId", "agent", "registration", "stateId", "since"],
    "/xapi/activities/profile": ["activityId", "profileId", "since"],
    "/xapi/agents/profile": ["agent", "profileId", "since"],
    "/xapi/activities": ["activityId"],
    "/xapi/agents": ["agent"],
}
VALID = {
    "activityId": "https://leadpath.example/activities/p",
    "agent": json.dumps({"mbox": "mailto:p@example.test"}),
    "stateId": "s",
    "profileId": "p",
}


def _raw(value) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


def _query(args: dict) -> str:
    return urlencode(args, encoding="utf-8", errors="surrogatepass")


def _below_500(response, sent):
    assert response.status_code < 500, (sent, response.get_data(as_text=True)[:500])


@FIXTURES
@given(part=st.sampled_from(STATEMENT_PARTS), value=json_values(), batch=st.booleans())
def test_a_statement_with_any_part_of_any_type_never_gives_a_server_error(
    client, headers, make_statement, part, value, batch
):
    statement = make_statement()
    statement[part] = value
    body = _raw([statement] if batch else statement)
    response = client.post(
        "/xapi/statements", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    _below_500(response, statement)


@FIXTURES
@given(body=json_values(max_leaves=30), method=st.sampled_from(["POST", "PUT"]))
def test_any_json_body_never_gives_a_server_error(client, headers, body, method):
    response = client.open(
        "/xapi/statements",
        method=method,
        query_string="statementId=7f3c9e2a-1b4d-4c8e-9f21-0a6b5c4d3e2f" if method == "PUT" else "",
        data=_raw(body),
        headers={**headers, "Content-Type": "application/json"},
    )
    _below_500(response, body)


@FIXTURES
@given(args=st.dictionaries(st.sampled_from(STATEMENT_ARGS), TEXT, max_size=4))
def test_any_statement_query_never_gives_a_server_error(client, headers, args):
    response = client.get(f"/xapi/statements?{_query(args)}", headers=headers)
    _below_500(response, args)


@FIXTURES
@given(
    path=st.sampled_from(sorted(DOCUMENTS)),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE"]),
    broken=st.data(),
    content=st.one_of(json_values().map(_raw), st.binary(max_size=100)),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; x"]),
    match=st.sampled_from([None, "*", '"x"', "\x7f"]),
)
def test_any_document_request_never_gives_a_server_error(
    client, headers, path, method, broken, content, content_type, match
):
    names = DOCUMENTS[path]
    args = {name: VALID.get(name, "") for name in names if name in VALID}
    args.update(broken.draw(st.dictionaries(st.sampled_from(names), TEXT, max_size=2)))
    extra = {"Content-Type": content_type} if content_type else {}
    if match is not None:
        extra["If-Match"] = match
    response = client.open(
        f"{path}?{_query(args)}",
        method=method,
        data=b"" if method in {"GET", "DELETE"} else content,
        headers={**headers, **extra},
    )
    _below_500(response, (method, args, content))
