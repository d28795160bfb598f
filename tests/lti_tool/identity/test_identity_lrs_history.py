"""After a link, one agent query to the LRS returns the learner's whole history from both platforms.

The outbox is forwarded over real HTTP to the embedded LRS of the app served on loopback,
then the LRS is queried by agent as an LRS administrator would.
"""

import base64
import json

from tests.support.identity_helpers import (
    FORMER,
    LINKED,
    enter_code,
    forward_to_embedded_lrs,
    get_code,
    open_session,
    user_of,
)
from tests.support.lti_helpers import make_platform
from xapi.lrs import create_credential

ISSUER = "http://localhost/xapi/profile/extensions/lti-issuer"
REISSUED = "http://localhost/xapi/profile/extensions/reissued-from"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _agent_query(client, db, learner_id: str) -> list[dict]:
    key, secret = create_credential(db.engine, "reader", ["statements/read"])
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    agent = {"account": {"homePage": "http://localhost", "name": learner_id}}
    response = client.get(
        "/xapi/statements",
        query_string={"agent": json.dumps(agent), "limit": 0},
        headers={"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 200, response.text
    return response.get_json()["statements"]


def test_one_agent_query_returns_history_from_both_platforms_after_linking(app, client, db, unique):
    a = make_platform(unique + "a").register(db)
    b = make_platform(unique + "b").register(db)
    token_a = open_session(client, a, "history-a")
    token_b = open_session(client, b, "history-b")
    former_b = user_of(db, b, "history-b").learner_id
    assert enter_code(client, token_b, get_code(client, token_a)).status_code == 303
    open_session(client, a, "history-a")
    open_session(client, b, "history-b")
    learner = user_of(db, a, "history-a").learner_id

    forward_to_embedded_lrs(db, app, f"lrs-{unique}", [a.issuer, b.issuer])
    history = _agent_query(client, db, learner)

    launched = [s for s in history if s["verb"]["id"].endswith("/launched")]
    by_issuer = {}
    for statement in launched:
        by_issuer.setdefault(statement["context"]["extensions"][ISSUER], []).append(statement)
    assert len(by_issuer[a.issuer]) == 2, "A before and after the link"
    assert len(by_issuer[b.issuer]) == 2, "B before (re-issued) and after the link"
    [link] = [s for s in history if s["verb"]["id"] == LINKED]
    former = link["context"]["extensions"][FORMER]["account"]
    assert former == {"homePage": "http://localhost", "name": former_b}

    # B's launch from before the link was voided and re-issued under the surviving account.
    [copy] = [s for s in by_issuer[b.issuer] if REISSUED in s["context"]["extensions"]]
    original_id = copy["context"]["extensions"][REISSUED]
    [voiding] = [s for s in history if s["verb"]["id"] == VOIDED]
    assert voiding["object"] == {"objectType": "StatementRef", "id": original_id}
    assert _agent_query(client, db, former["name"]) == [], "the originals are voided"
    assert len(history) == 6  # 4 launches, the link and the voiding statement
