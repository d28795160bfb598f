"""State documents are visible only to the key that wrote them, unless `state/shared` says so."""

from __future__ import annotations

import json

import pytest

STATE = "/xapi/activities/state"


@pytest.fixture
def where(unique) -> dict:
    agent = {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": unique}}
    return {"activityId": f"https://leadpath.example/act/{unique}", "agent": json.dumps(agent)}


def _put(client, headers, where, state_id, body):
    query = {**where, "stateId": state_id}
    return client.put(STATE, query_string=query, headers=headers, json=body)


def test_another_key_cannot_read_list_overwrite_or_delete_a_keys_state(client, headers_for, where):
    owner, other = headers_for("state"), headers_for("state", "all/read")
    assert _put(client, owner, where, "progress", {"page": 7}).status_code == 204

    assert (
        client.get(STATE, query_string={**where, "stateId": "progress"}, headers=other).status_code
        == 404
    )
    assert client.get(STATE, query_string=where, headers=other).get_json() == []
    assert client.delete(STATE, query_string=where, headers=other).status_code == 204
    assert _put(client, other, where, "progress", {"page": 1}).status_code == 204

    mine = client.get(STATE, query_string={**where, "stateId": "progress"}, headers=owner)
    assert mine.status_code == 200 and mine.get_json() == {"page": 7}
    theirs = client.get(STATE, query_string={**where, "stateId": "progress"}, headers=other)
    assert theirs.get_json() == {"page": 1}


def test_a_key_with_every_scope_still_sees_only_its_own_state(client, headers_for, where):
    assert _put(client, headers_for("state"), where, "s", {"a": 1}).status_code == 204
    found = client.get(STATE, query_string={**where, "stateId": "s"}, headers=headers_for("all"))
    assert found.status_code == 404


def test_keys_with_state_shared_share_one_namespace(client, headers_for, where):
    first, second = headers_for("state/shared"), headers_for("state/shared")
    assert _put(client, first, where, "shared", {"n": 1}).status_code == 204
    seen = client.get(STATE, query_string={**where, "stateId": "shared"}, headers=second)
    assert seen.status_code == 200 and seen.get_json() == {"n": 1}
    private = client.get(
        STATE, query_string={**where, "stateId": "shared"}, headers=headers_for("state")
    )
    assert private.status_code == 404


def test_a_key_without_a_state_scope_is_refused(client, headers_for, where):
    response = client.get(STATE, query_string=where, headers=headers_for("statements/write"))
    assert response.status_code == 403
