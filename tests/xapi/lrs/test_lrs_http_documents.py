import json

import pytest


@pytest.fixture
def agent(unique):
    return json.dumps({"objectType": "Agent", "mbox": f"mailto:doc-{unique}@example.org"})


@pytest.fixture
def activity(unique):
    return f"https://leadpath.example/activities/doc-{unique}"


RESOURCES = {
    "state": ("/xapi/activities/state", "stateId"),
    "activity_profile": ("/xapi/activities/profile", "profileId"),
    "agent_profile": ("/xapi/agents/profile", "profileId"),
}


def params_for(kind, agent, activity):
    if kind == "state":
        return {"activityId": activity, "agent": agent}
    if kind == "activity_profile":
        return {"activityId": activity}
    return {"agent": agent}


def create(headers, kind):
    """Return the headers of a PUT that creates a document (profiles need If-None-Match)."""
    return headers if kind == "state" else {**headers, "If-None-Match": "*"}


@pytest.fixture(params=list(RESOURCES))
def resource(request, agent, activity):
    path, id_name = RESOURCES[request.param]
    return request.param, path, id_name, params_for(request.param, agent, activity)


def test_put_then_get_returns_content_type_and_sha1_etag(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc1"}
    put = client.put(
        path,
        query_string=q,
        data=b"hello",
        headers=create(headers, kind),
        content_type="text/plain",
    )
    assert put.status_code == 204
    got = client.get(path, query_string=q, headers=headers)
    assert got.data == b"hello" and got.content_type.startswith("text/plain")
    assert got.headers["ETag"] == '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"'
    assert got.headers["Last-Modified"]


def test_if_match_and_if_none_match_give_412(client, headers, resource):
    _, path, id_name, params = resource
    q = {**params, id_name: "doc2"}
    client.put(path, query_string=q, json={"a": 1}, headers={**headers, "If-None-Match": "*"})
    etag = client.get(path, query_string=q, headers=headers).headers["ETag"]
    assert (
        client.put(
            path, query_string=q, json={"a": 2}, headers={**headers, "If-None-Match": "*"}
        ).status_code
        == 412
    )
    assert (
        client.put(
            path, query_string=q, json={"a": 2}, headers={**headers, "If-Match": '"0000"'}
        ).status_code
        == 412
    )
    assert (
        client.put(
            path, query_string=q, json={"a": 2}, headers={**headers, "If-Match": etag}
        ).status_code
        == 204
    )
    assert (
        client.delete(path, query_string=q, headers={**headers, "If-Match": etag}).status_code
        == 412
    )


def test_profiles_need_a_precondition_to_overwrite_state_does_not(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc3"}
    assert (
        client.put(path, query_string=q, json={"a": 1}, headers=create(headers, kind)).status_code
        == 204
    )
    again = client.put(path, query_string=q, json={"a": 2}, headers=headers)
    assert again.status_code == (204 if kind == "state" else 409)
    expected = {"a": 2} if kind == "state" else {"a": 1}
    assert client.get(path, query_string=q, headers=headers).json == expected


def test_profile_put_without_a_concurrency_header_is_refused_xapi_00273(client, headers, resource):
    """Communication 3.1: a PUT to a profile carries If-Match or If-None-Match (XAPI-00273)."""
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc-no-header"}
    response = client.put(path, query_string=q, json={"a": 1}, headers=headers)
    if kind == "state":  # "The State Resource will permit PUT ... without concurrency headers"
        assert response.status_code == 204
        return
    assert response.status_code == 400 and "If-None-Match" in response.json["message"]
    assert client.get(path, query_string=q, headers=headers).status_code == 404


def test_post_merges_json_objects(client, headers, resource):
    _, path, id_name, params = resource
    q = {**params, id_name: "doc4"}
    assert (
        client.post(path, query_string=q, json={"a": 1, "b": 1}, headers=headers).status_code == 204
    )
    assert (
        client.post(path, query_string=q, json={"b": 2, "c": 3}, headers=headers).status_code == 204
    )
    assert client.get(path, query_string=q, headers=headers).json == {"a": 1, "b": 2, "c": 3}
    assert client.post(path, query_string=q, json=[1, 2], headers=headers).status_code == 400


def test_post_onto_a_non_json_document_is_refused(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc5"}
    client.put(
        path, query_string=q, data=b"text", headers=create(headers, kind), content_type="text/plain"
    )
    assert (
        client.post(
            path, query_string=q, json={"a": 1}, headers={**headers, "If-Match": "*"}
        ).status_code
        == 400
    )


def test_listing_ids_with_since_and_deleting(client, headers, resource):
    _, path, id_name, params = resource
    for doc in ("x", "y"):
        client.put(
            path,
            query_string={**params, id_name: doc},
            json={},
            headers={**headers, "If-None-Match": "*"},
        )
    assert client.get(path, query_string=params, headers=headers).json == ["x", "y"]
    later = client.get(
        path, query_string={**params, "since": "2999-01-01T00:00:00Z"}, headers=headers
    )
    assert later.json == []
    assert (
        client.delete(path, query_string={**params, id_name: "x"}, headers=headers).status_code
        == 204
    )
    assert (
        client.get(path, query_string={**params, id_name: "x"}, headers=headers).status_code == 404
    )


def test_a_single_document_get_checks_since_but_is_not_filtered_by_it(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc8"}
    assert (
        client.put(path, query_string=q, json={"a": 1}, headers=create(headers, kind)).status_code
        == 204
    )
    later = {**q, "since": "2999-01-01T00:00:00Z"}
    assert client.get(path, query_string=later, headers=headers).json == {"a": 1}
    bad = client.get(path, query_string={**q, "since": "not a timestamp"}, headers=headers)
    assert bad.status_code == 400 and "since" in bad.json["message"]


def test_state_is_scoped_by_registration_and_deleted_together(
    client, headers, agent, activity, new_id
):
    registration = new_id()
    base = {"activityId": activity, "agent": agent}
    client.put(
        "/xapi/activities/state",
        json={"r": 1},
        headers=headers,
        query_string={**base, "registration": registration, "stateId": "s"},
    )
    client.put(
        "/xapi/activities/state",
        json={"r": 0},
        headers=headers,
        query_string={**base, "stateId": "s"},
    )
    got = client.get(
        "/xapi/activities/state",
        headers=headers,
        query_string={**base, "registration": registration, "stateId": "s"},
    )
    assert got.json == {"r": 1}
    assert (
        client.delete("/xapi/activities/state", query_string=base, headers=headers).status_code
        == 204
    )
    assert client.get("/xapi/activities/state", query_string=base, headers=headers).json == []


@pytest.mark.parametrize(
    "params",
    [
        {"agent": '{"mbox": "mailto:a@x.org"}', "stateId": "s"},
        {"activityId": "https://x", "stateId": "s"},
        {"activityId": "not an iri", "agent": '{"mbox": "mailto:a@x.org"}'},
        {"activityId": "https://x", "agent": '{"mbox": "a@x.org"}'},
        {"activityId": "https://x", "agent": '{"mbox": "mailto:a@x.org"}', "registration": "r"},
        {"activityId": "https://x", "agent": '{"mbox": "mailto:a@x.org"}', "colour": "red"},
    ],
)
def test_state_parameters_are_checked(client, headers, params):
    response = client.get("/xapi/activities/state", query_string=params, headers=headers)
    assert response.status_code == 400 and response.json["message"]


def test_activities_resource_returns_the_canonical_definition(client, headers, make_statement):
    statement = make_statement()
    client.post("/xapi/statements", json=statement, headers=headers)
    got = client.get(
        "/xapi/activities", query_string={"activityId": statement["object"]["id"]}, headers=headers
    )
    assert got.json["definition"]["name"] == {"en-GB": "Self-assessment"}


def test_an_unknown_activity_is_still_returned_as_an_activity_object(client, headers, unique):
    """Communication 2.5 (2.0: 4.1.6.4): with no canonical definition, still an Activity."""
    activity_id = f"https://none.example/never-seen/{unique}"
    unknown = client.get(
        "/xapi/activities", query_string={"activityId": activity_id}, headers=headers
    )
    assert unknown.status_code == 200
    assert unknown.json == {"objectType": "Activity", "id": activity_id}


def test_agents_resource_returns_a_person(client, headers):
    agent = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.org"}
    person = client.get(
        "/xapi/agents", query_string={"agent": json.dumps(agent)}, headers=headers
    ).json
    assert person == {"objectType": "Person", "name": ["Ann"], "mbox": ["mailto:ann@example.org"]}


def test_post_onto_no_document_stores_it_as_a_put_whatever_its_type(client, headers, resource):
    _, path, id_name, params = resource
    for n, (body, content_type) in enumerate(
        [(b"1", "application/x-www-form-urlencoded"), (b'{"a": 1}', "application/json")]
    ):
        q = {**params, id_name: f"doc6-{n}"}
        posted = client.post(
            path, query_string=q, data=body, content_type=content_type, headers=headers
        )
        assert posted.status_code == 204
        got = client.get(path, query_string=q, headers=headers)
        assert got.data == body and got.content_type == content_type


def test_an_empty_post_and_a_delete_with_a_body_are_refused(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc9"}
    empty = client.post(path, query_string=q, headers=headers)
    assert empty.status_code == 400 and "no document" in empty.json["message"]
    assert client.get(path, query_string=q, headers=headers).status_code == 404
    assert (
        client.put(path, query_string=q, json={"a": 1}, headers=create(headers, kind)).status_code
        == 204
    )
    with_body = client.delete(path, query_string=q, json={"a": 1}, headers=headers)
    assert with_body.status_code == 400 and "without a body" in with_body.json["message"]
    assert client.get(path, query_string=q, headers=headers).json == {"a": 1}


def test_post_onto_a_document_needs_a_json_content_type(client, headers, resource):
    kind, path, id_name, params = resource
    q = {**params, id_name: "doc7"}
    assert (
        client.put(path, query_string=q, json={"a": 1}, headers=create(headers, kind)).status_code
        == 204
    )
    response = client.post(
        path,
        query_string=q,
        data=b'{"a": 2}',
        content_type="text/plain",
        headers={**headers, "If-Match": "*"},
    )
    assert response.status_code == 400 and "Content-Type" in response.json["message"]
    assert client.get(path, query_string=q, headers=headers).json == {"a": 1}


def test_only_keys_with_define_change_a_known_definition(client, headers_for, make_statement):
    definer = headers_for("statements/write", "define")
    writer = headers_for("statements/write", "statements/read")
    statement = make_statement()
    client.post("/xapi/statements", json=statement, headers=definer)
    renamed = make_statement()
    renamed["object"]["definition"] = {"name": {"en-GB": "Renamed"}}
    client.post("/xapi/statements", json=renamed, headers=writer)
    query = {"activityId": statement["object"]["id"]}
    got = client.get("/xapi/activities", query_string=query, headers=writer).json
    assert got["definition"]["name"] == {"en-GB": "Self-assessment"}
    client.post("/xapi/statements", json=renamed, headers=definer)
    got = client.get("/xapi/activities", query_string=query, headers=writer).json
    assert got["definition"]["name"] == {"en-GB": "Renamed"}


@pytest.mark.parametrize("body", [b'{"a": 1}[', b"[1, 2]", b'"text"', b"\xff"])
@pytest.mark.parametrize("stored", [False, True])
def test_a_posted_json_document_that_is_not_an_object_is_refused_xapi_00314(
    client, headers, resource, body, stored
):
    """Communication 2.2 (XAPI-00314): 400 whether or not a document is stored, nothing kept."""
    kind, path, id_name, params = resource
    q = {**params, id_name: f"not-object-{stored}-{body.hex()}"}
    if stored:
        client.put(path, query_string=q, json={"kept": True}, headers=create(headers, kind))
    response = client.post(
        path, query_string=q, data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and "JSON object" in response.json["message"]
    got = client.get(path, query_string=q, headers=headers)
    if stored:
        assert got.json == {"kept": True}
    else:
        assert got.status_code == 404


def _post(client, headers, statements):
    response = client.post("/xapi/statements", json=statements, headers=headers)
    assert response.status_code == 200, response.json


def _activity(activity_id, **definition):
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _canonical(client, headers, activity_id):
    got = client.get("/xapi/activities", query_string={"activityId": activity_id}, headers=headers)
    return got.json["definition"]


@pytest.mark.parametrize("one_batch", [True, False], ids=["one batch", "two requests"])
def test_definitions_are_merged_per_language_xapi_00254(
    client, headers, make_statement, unique, one_batch
):
    """Communication 2.5 (XAPI-00254): the Activity holds every language statements gave."""
    activity_id = f"https://leadpath.example/activities/merge-{unique}-{one_batch}"
    first, second = make_statement(), make_statement()
    first["object"] = _activity(
        activity_id, name={"en-GB": "Meeting", "en-US": "Meeting (US)"}, type="https://t.example/a"
    )
    second["object"] = _activity(
        activity_id,
        name={"en-GB": "Example meeting", "fr-FR": "Réunion"},
        description={"en-GB": "One meeting"},
    )
    if one_batch:
        _post(client, headers, [first, second])
    else:
        _post(client, headers, [first])
        _post(client, headers, [second])
    assert _canonical(client, headers, activity_id) == {
        "name": {"en-GB": "Example meeting", "en-US": "Meeting (US)", "fr-FR": "Réunion"},
        "description": {"en-GB": "One meeting"},
        "type": "https://t.example/a",
    }


def test_definitions_merge_extensions_per_key_and_replace_other_keys(
    client, headers, make_statement, unique
):
    activity_id = f"https://leadpath.example/activities/merge-ext-{unique}"
    first, second = make_statement(), make_statement()
    first["object"] = _activity(
        activity_id,
        extensions={"https://x.example/a": 1, "https://x.example/b": 1},
        moreInfo="https://old.example",
    )
    second["object"] = _activity(
        activity_id, extensions={"https://x.example/b": 2}, moreInfo="https://new.example"
    )
    _post(client, headers, [first])
    _post(client, headers, [second])
    assert _canonical(client, headers, activity_id) == {
        "extensions": {"https://x.example/a": 1, "https://x.example/b": 2},
        "moreInfo": "https://new.example",
    }
