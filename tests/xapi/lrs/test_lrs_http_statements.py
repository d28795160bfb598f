import json

from tests.xapi.lrs.conftest import VERBS

VOIDED = VERBS + "voided"


def post(client, headers, body):
    return client.post("/xapi/statements", json=body, headers=headers)


def query(client, headers, **params):
    for key in ("agent",):
        if isinstance(params.get(key), dict):
            params[key] = json.dumps(params[key])
    response = client.get("/xapi/statements", query_string=params, headers=headers)
    assert response.status_code == 200, response.json
    return response


def test_post_one_statement_returns_its_id_and_stored_statement_has_lrs_fields(
    client, headers, make_statement
):
    response = post(client, headers, make_statement())
    assert response.status_code == 200
    (statement_id,) = response.json
    got = client.get(
        "/xapi/statements", query_string={"statementId": statement_id}, headers=headers
    )
    assert got.status_code == 200
    body = got.json
    assert body["id"] == statement_id and body["version"] == "1.0.0"
    assert body["stored"].endswith("Z") and body["timestamp"] == body["stored"]
    assert body["authority"]["account"]["homePage"] == "http://localhost"
    assert got.headers["Last-Modified"] and got.headers["X-Experience-API-Consistent-Through"]


def test_put_stores_under_the_given_id_and_answers_204(client, headers, make_statement, new_id):
    sid = new_id()
    response = client.put(
        "/xapi/statements",
        query_string={"statementId": sid},
        json=make_statement(),
        headers=headers,
    )
    assert response.status_code == 204
    assert (
        client.get("/xapi/statements", query_string={"statementId": sid}, headers=headers).json[
            "id"
        ]
        == sid
    )


def test_put_needs_statement_id_matching_the_body(client, headers, make_statement, new_id):
    assert client.put("/xapi/statements", json=make_statement(), headers=headers).status_code == 400
    response = client.put(
        "/xapi/statements",
        query_string={"statementId": new_id()},
        json=make_statement(id=new_id()),
        headers=headers,
    )
    assert response.status_code == 400 and "statementId" in response.json["message"]


def test_same_id_same_content_is_204_other_content_is_409(client, headers, make_statement, new_id):
    sid = new_id()
    statement = make_statement(id=sid)
    assert post(client, headers, statement).status_code == 200
    again = client.put(
        "/xapi/statements", query_string={"statementId": sid}, json=statement, headers=headers
    )
    assert again.status_code == 204
    assert post(client, headers, statement).status_code == 200
    other = make_statement(id=sid, verb="completed")
    assert post(client, headers, other).status_code == 409


def test_a_batch_with_one_bad_statement_is_refused_whole(
    client, headers, make_statement, new_id, unique
):
    good = make_statement(id=new_id())
    bad = make_statement(id=new_id())
    bad["verb"]["id"] = "completed"
    response = post(client, headers, [good, bad])
    assert response.status_code == 400
    assert response.json["message"].startswith("statement[1].verb.id")
    missing = client.get(
        "/xapi/statements", query_string={"statementId": good["id"]}, headers=headers
    )
    assert missing.status_code == 404


def test_a_batch_repeating_an_id_is_refused(client, headers, make_statement, new_id):
    sid = new_id()
    response = post(client, headers, [make_statement(id=sid), make_statement(id=sid)])
    assert response.status_code == 400 and "twice" in response.json["message"]


def test_voided_statements_leave_queries_but_stay_reachable_by_voided_id(
    client, headers, make_statement, unique
):
    (target,) = post(client, headers, make_statement()).json
    voiding = make_statement(verb="voided", object={"objectType": "StatementRef", "id": target})
    voiding["verb"]["id"] = VOIDED
    (voider,) = post(client, headers, voiding).json
    single = client.get("/xapi/statements", query_string={"statementId": target}, headers=headers)
    assert single.status_code == 404
    by_voided = client.get(
        "/xapi/statements", query_string={"voidedStatementId": target}, headers=headers
    )
    assert by_voided.status_code == 200 and by_voided.json["id"] == target
    agent = make_statement()["actor"]
    ids = [s["id"] for s in query(client, headers, agent=agent).json["statements"]]
    assert target not in ids and voider in ids
    nope = client.get(
        "/xapi/statements", query_string={"voidedStatementId": voider}, headers=headers
    )
    assert nope.status_code == 404


def test_voiding_a_voiding_statement_is_refused(client, headers, make_statement):
    (target,) = post(client, headers, make_statement()).json
    first = make_statement(object={"objectType": "StatementRef", "id": target})
    first["verb"]["id"] = VOIDED
    (voider,) = post(client, headers, first).json
    second = make_statement(object={"objectType": "StatementRef", "id": voider})
    second["verb"]["id"] = VOIDED
    assert post(client, headers, second).status_code == 400


def test_statements_referencing_a_voided_statement_are_still_returned(
    client, headers, make_statement
):
    (target,) = post(client, headers, make_statement()).json
    ref = make_statement(verb="commented", object={"objectType": "StatementRef", "id": target})
    (ref_id,) = post(client, headers, ref).json
    voiding = make_statement(object={"objectType": "StatementRef", "id": target})
    voiding["verb"]["id"] = VOIDED
    assert post(client, headers, voiding).status_code == 200
    got = client.get("/xapi/statements", query_string={"statementId": ref_id}, headers=headers)
    assert got.status_code == 200
    assert got.json["id"] == ref_id and got.json["verb"]["id"] == VERBS + "commented"
    assert got.json["object"] == {"objectType": "StatementRef", "id": target}
    # the target itself is voided: gone from statementId, still there as a voided statement
    gone = client.get("/xapi/statements", query_string={"statementId": target}, headers=headers)
    assert gone.status_code == 404
    voided = query(client, headers, voidedStatementId=target).json
    assert voided["id"] == target
    listed = query(client, headers, verb=VERBS + "commented", agent=ref["actor"]).json
    assert [s["id"] for s in listed["statements"]] == [ref_id]


def test_queries_filter_by_each_parameter(client, headers, make_statement, new_id, unique):
    registration = new_id()
    course = f"https://leadpath.example/courses/{unique}"
    tagged = make_statement(
        verb="completed",
        context={
            "registration": registration,
            "contextActivities": {"grouping": [{"id": course}]},
            "instructor": {"mbox": f"mailto:tutor-{unique}@example.org"},
        },
    )
    (tagged_id,) = post(client, headers, tagged).json
    (plain_id,) = post(client, headers, make_statement()).json
    agent = tagged["actor"]

    def ids(**params):
        return [s["id"] for s in query(client, headers, **params).json["statements"]]

    assert ids(agent=agent) == [plain_id, tagged_id]
    assert ids(agent=agent, verb=VERBS + "completed") == [tagged_id]
    assert ids(registration=registration) == [tagged_id]
    assert ids(activity=course) == []
    assert ids(activity=course, related_activities="true") == [tagged_id]
    tutor = {"mbox": f"mailto:tutor-{unique}@example.org"}
    assert ids(agent=tutor) == []
    assert ids(agent=tutor, related_agents="true") == [tagged_id]
    assert ids(agent=agent, ascending="true") == [tagged_id, plain_id]
    stored = query(client, headers, statementId=tagged_id).json["stored"]
    assert ids(agent=agent, since=stored) == [plain_id]
    assert ids(agent=agent, until=stored) == [tagged_id]


def test_more_links_page_stably_while_statements_arrive(client, headers, make_statement):
    agent = make_statement()["actor"]
    first = [post(client, headers, make_statement()).json[0] for _ in range(5)]
    page = query(client, headers, agent=agent, limit=2).json
    seen = [s["id"] for s in page["statements"]]
    post(client, headers, make_statement())
    while page["more"]:
        page = client.get(page["more"], headers=headers).json
        seen += [s["id"] for s in page["statements"]]
    assert seen == first[::-1]


def test_formats_ids_and_canonical(client, headers, make_statement):
    statement = make_statement()
    statement["object"]["definition"]["name"] = {"en-GB": "Assessment", "fr": "Évaluation"}
    (sid,) = post(client, headers, statement).json
    ids = query(client, headers, statementId=sid, format="ids").json
    assert ids["object"] == {"id": statement["object"]["id"]}
    assert ids["verb"] == {"id": statement["verb"]["id"]}
    assert set(ids["actor"]) == {"objectType", "account"}
    canonical = client.get(
        "/xapi/statements",
        query_string={"statementId": sid, "format": "canonical"},
        headers={**headers, "Accept-Language": "fr"},
    ).json
    assert canonical["object"]["definition"]["name"] == {"fr": "Évaluation"}
    bad = client.get("/xapi/statements", query_string={"format": "full"}, headers=headers)
    assert bad.status_code == 400


def test_ids_and_canonical_formats_reach_into_a_substatement(client, headers, make_statement):
    inner = make_statement()
    inner["verb"]["display"] = {"en-GB": "attended", "fr": "a assisté"}
    inner["object"]["definition"]["name"] = {"en-GB": "Meeting", "fr": "Réunion"}
    statement = make_statement(object={"objectType": "SubStatement", **inner})
    (sid,) = post(client, headers, statement).json
    ids = query(client, headers, statementId=sid, format="ids").json
    assert ids["object"]["object"] == {"id": inner["object"]["id"]}
    assert ids["object"]["verb"] == {"id": inner["verb"]["id"]}
    canonical = client.get(
        "/xapi/statements",
        query_string={"statementId": sid, "format": "canonical"},
        headers={**headers, "Accept-Language": "fr"},
    ).json
    assert canonical["object"]["verb"]["display"] == {"fr": "a assisté"}
    assert canonical["object"]["object"]["definition"]["name"] == {"fr": "Réunion"}


def test_an_interaction_type_that_is_not_a_string_is_a_400_not_a_server_error(
    client, headers, make_statement
):
    for kind in ({"test": "value"}, ["choice"], 12345):
        statement = make_statement()
        statement["object"]["definition"]["interactionType"] = kind
        response = post(client, headers, statement)
        assert response.status_code == 400
        assert response.json["field"] == "statement.object.definition.interactionType"


def test_query_parameters_are_checked(client, headers):
    for params in (
        {"limit": "-1"},
        {"since": "yesterday"},
        {"agent": "{}"},
        {"agent": "not json"},
        {"verb": "completed"},
        {"registration": "x"},
        {"ascending": "maybe"},
        {"colour": "red"},
        {"statementId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "verb": "https://x"},
    ):
        response = client.get("/xapi/statements", query_string=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json["message"]


def test_consistent_through_is_sent_on_queries(client, headers):
    response = query(client, headers, limit=1)
    assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_consistent_through_is_sent_on_unknown_statement_and_refused_read(client, headers, new_id):
    unknown = new_id()
    missing = client.get("/xapi/statements", query_string={"statementId": unknown}, headers=headers)
    refused = client.get("/xapi/statements", query_string={"foo": "bar"}, headers=headers)
    alternate = client.post(
        "/xapi/statements?method=GET",
        data={"statementId": unknown, **headers},
        content_type="application/x-www-form-urlencoded",
    )
    # a statements query that lost its "?" is still answered with the header
    mistyped = client.get("/xapi/statementslimit=1", headers=headers)
    for response, status in ((missing, 404), (refused, 400), (alternate, 404), (mistyped, 404)):
        assert response.status_code == status, response.json
        assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_a_served_app_accepts_a_statement_over_real_http(app, headers, make_statement):
    import threading

    import requests
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/xapi"
        statement = make_statement()
        response = requests.post(
            f"{base}/statements", json=[statement], headers=headers, timeout=10
        )
        assert response.status_code == 200
        (statement_id,) = response.json()
        got = requests.get(
            f"{base}/statements",
            params={"statementId": statement_id},
            headers=headers,
            timeout=10,
        )
        assert got.status_code == 200
        stored = got.json()
        assert stored["id"] == statement_id
        assert {k: stored[k] for k in ("actor", "verb", "object")} == {
            k: statement[k] for k in ("actor", "verb", "object")
        }
        assert got.headers["X-Experience-API-Version"] == "1.0.3"
    finally:
        server.shutdown()
        thread.join()
