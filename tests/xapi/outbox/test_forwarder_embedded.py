"""No destination configured: the forwarder delivers to the embedded LRS; read back over HTTP."""

from __future__ import annotations

import base64

from lti_tool.workers import embedded_sink
from tests.xapi.outbox.outbox_helpers import FAST, drain, pending, statement
from xapi.lrs import create_credential
from xapi.outbox import Forwarder, enqueue
from xapi.outbox.destinations import EMBEDDED


def test_queued_statements_reach_the_embedded_lrs_and_read_back(
    make_app, fresh_database_url, fresh_db, unique
):
    app = make_app(database_url=fresh_database_url)
    learner = f"learner-{unique}"
    made = [statement(learner, n=n) for n in range(25)]
    with fresh_db.transaction() as session:
        enqueue(session, made, learner_key=learner, platform_issuer="https://lms.example")
    forwarder = Forwarder(
        fresh_db.sessions, FAST, embedded=embedded_sink(fresh_db.sessions, "http://localhost")
    )
    try:
        forwarder.prepare()
        assert forwarder.forwardable(), "the embedded LRS is the destination when none is set"
        drain(forwarder, lambda: pending(fresh_db, EMBEDDED) == 0)
    finally:
        forwarder.close()

    key, secret = create_credential(fresh_db.engine, "reader", ["all"])
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
    }
    client = app.test_client()
    for sent in (made[0], made[-1]):
        response = client.get("/xapi/statements", query_string={"statementId": sent["id"]},
                              headers=headers)  # fmt: skip
        assert response.status_code == 200, response.data
        stored = response.get_json()
        assert stored["id"] == sent["id"]
        assert stored["verb"]["id"] == sent["verb"]["id"]
        assert stored["actor"]["account"]["name"] == learner
        assert stored["authority"]["account"]["homePage"] == "http://localhost"
    response = client.get("/xapi/statements", query_string={"limit": 100}, headers=headers)
    assert {s["id"] for s in response.get_json()["statements"]} == {s["id"] for s in made}
