import json
from urllib.parse import urlencode

import pytest

from tests.xapi.lrs.conftest import basic


def test_requests_without_the_version_header_are_refused(client, headers):
    response = client.get("/xapi/statements", headers={"Authorization": headers["Authorization"]})
    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.json["message"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", ["0.95", "1.1.0", "banana"])
def test_unsupported_versions_are_refused(client, headers, version):
    response = client.get(
        "/xapi/statements", headers={**headers, "X-Experience-API-Version": version}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "version,answered", [("1.0", "1.0.3"), ("1.0.0", "1.0.3"), ("2.0.0", "2.0.0")]
)
def test_supported_versions_are_answered(client, headers, version, answered):
    response = client.get(
        "/xapi/statements",
        query_string={"limit": 1},
        headers={**headers, "X-Experience-API-Version": version},
    )
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == answered


def test_about_needs_no_credentials_and_lists_versions(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json["version"] and response.json["extensions"] == {}


@pytest.mark.parametrize(
    "asked,answered", [(None, "1.0.3"), ("1.0.3", "1.0.3"), ("2.0.0", "2.0.0")]
)
def test_about_lists_both_versions_in_the_version_asked(client, asked, answered):
    """Communication 2.8 (2.0: 4.1.6.7): 1.0.3 and 2.0.0, whatever the client speaks."""
    headers = {"X-Experience-API-Version": asked} if asked else {}
    response = client.get("/xapi/about", headers=headers)
    assert response.json["version"] == ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
    assert response.headers["X-Experience-API-Version"] == answered


def test_missing_or_wrong_credentials_get_401_with_a_challenge(client, headers):
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    wrong = {**headers, "Authorization": basic("nobody", "nothing")}
    assert client.get("/xapi/statements", headers=wrong).status_code == 401
    garbled = {**headers, "Authorization": "Basic ###"}
    assert client.get("/xapi/statements", headers=garbled).status_code == 401


def test_a_revoked_key_is_refused(app, client, engine):
    from xapi.lrs import create_credential, revoke_credential

    key, secret = create_credential(engine, "revoked", ["all"])
    assert revoke_credential(engine, key)
    headers = {"Authorization": basic(key, secret), "X-Experience-API-Version": "1.0.3"}
    assert client.get("/xapi/statements", headers=headers).status_code == 401


def test_scopes_are_enforced(client, headers_for, make_statement):
    writer = headers_for("statements/write")
    reader = headers_for("statements/read")
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=writer).json
    assert client.get("/xapi/statements", headers=writer).status_code == 403
    assert client.post("/xapi/statements", json=make_statement(), headers=reader).status_code == 403
    assert (
        client.get(
            "/xapi/statements", query_string={"statementId": sid}, headers=reader
        ).status_code
        == 200
    )
    everything = headers_for("all/read")
    assert (
        client.get(
            "/xapi/activities/state",
            headers=everything,
            query_string={
                "activityId": "https://x",
                "agent": json.dumps({"mbox": "mailto:a@x.org"}),
            },
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/xapi/agents/profile",
            headers=reader,
            query_string={"agent": json.dumps({"mbox": "mailto:a@x.org"})},
        ).status_code
        == 403
    )


def test_read_mine_sees_only_statements_stored_with_its_own_key(
    client, headers_for, make_statement
):
    mine = headers_for("statements/write", "statements/read/mine")
    other = headers_for("statements/write")
    (own,) = client.post("/xapi/statements", json=make_statement(), headers=mine).json
    (theirs,) = client.post("/xapi/statements", json=make_statement(), headers=other).json
    agent = json.dumps(make_statement()["actor"])
    listed = client.get("/xapi/statements", query_string={"agent": agent}, headers=mine).json
    assert [s["id"] for s in listed["statements"]] == [own]
    assert (
        client.get(
            "/xapi/statements", query_string={"statementId": theirs}, headers=mine
        ).status_code
        == 404
    )


def form_post(client, path, method, fields):
    return client.post(
        f"{path}?method={method}",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def test_alternate_syntax_puts_and_gets_through_form_fields(
    client, headers, make_statement, new_id
):
    sid = new_id()
    fields = {
        **headers,
        "Content-Type": "application/json",
        "statementId": sid,
        "content": json.dumps(make_statement()),
    }
    assert form_post(client, "/xapi/statements", "PUT", fields).status_code == 204
    got = form_post(client, "/xapi/statements", "GET", {**headers, "statementId": sid})
    assert got.status_code == 200 and got.json["id"] == sid


def test_alternate_syntax_allows_only_method_in_the_query_string(client, headers):
    response = client.post(
        "/xapi/statements?method=GET&limit=1",
        data=urlencode(headers),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    response = client.post(
        "/xapi/statements?method=GET", data=json.dumps(headers), content_type="application/json"
    )
    assert response.status_code == 400


def test_alternate_syntax_reaches_document_resources(client, headers):
    params = {
        "activityId": "https://example.org/alt",
        "agent": json.dumps({"mbox": "mailto:alt@example.org"}),
        "stateId": "s",
    }
    put = form_post(
        client,
        "/xapi/activities/state",
        "PUT",
        {**headers, **params, "Content-Type": "application/json", "content": '{"a": 1}'},
    )
    assert put.status_code == 204
    got = form_post(client, "/xapi/activities/state", "GET", {**headers, **params})
    assert got.json == {"a": 1}
    assert (
        form_post(client, "/xapi/activities/state", "DELETE", {**headers, **params}).status_code
        == 204
    )


def test_errors_are_json_with_a_sentence(client, headers):
    response = client.post(
        "/xapi/statements", data="{not json", headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["message"] == "The statement body is not valid JSON."
    wrong_type = client.post(
        "/xapi/statements", data="x", headers=headers, content_type="text/plain"
    )
    assert wrong_type.status_code == 400 and "Content-Type" in wrong_type.json["message"]


def test_statement_version_2_is_accepted_only_on_xapi_2_requests(client, headers, make_statement):
    statement = make_statement(version="2.0.0")
    refused = client.post("/xapi/statements", json=statement, headers=headers)
    assert refused.status_code == 400 and "statement.version" in refused.json["message"]
    accepted = client.post(
        "/xapi/statements", json=statement, headers={**headers, "X-Experience-API-Version": "2.0.0"}
    )
    assert accepted.status_code == 200


def test_every_xapi_response_carries_the_version_header(client):
    response = client.get("/xapi/no-such-resource")
    assert response.status_code == 404
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_head_answers_like_get_without_a_body(client, headers, make_statement):
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=headers).json
    head = client.head("/xapi/statements", query_string={"statementId": sid}, headers=headers)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["X-Experience-API-Consistent-Through"]
    assert client.head("/xapi/about").status_code == 200


def test_alternate_syntax_content_defaults_to_json(client, headers, make_statement):
    response = form_post(
        client, "/xapi/statements", "POST", {**headers, "content": json.dumps(make_statement())}
    )
    assert response.status_code == 200 and len(response.json) == 1


def test_a_store_too_busy_to_write_answers_503_with_retry_after(
    client, headers, make_statement, monkeypatch
):
    # A database that aborts every attempt cannot be arranged on demand through HTTP, so the
    # store's answer to it (Unavailable, after its bounded retries) is raised directly here.
    from xapi.lrs import store
    from xapi.lrs.errors import Unavailable

    def busy(*args, **kwargs):
        raise Unavailable("The store is busy with other writes and nothing was saved.")

    monkeypatch.setattr(store, "store_statements", busy)
    response = client.post("/xapi/statements", json=make_statement(), headers=headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json == {
        "error": "unavailable",
        "message": "The store is busy with other writes and nothing was saved.",
    }
