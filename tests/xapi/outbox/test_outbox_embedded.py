"""The embedded LRS as a forwarder destination answers like an LRS over HTTP."""

import json
import uuid

from xapi.lrs import get_statement
from xapi.outbox.client import Verdict
from xapi.outbox.embedded import FORWARDER_KEY, EmbeddedSink


def _statement(sid: str, verb: str = "attempted") -> dict:
    return {
        "id": sid,
        "actor": {"objectType": "Agent", "mbox": f"mailto:{sid}@example.org"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"objectType": "Activity", "id": f"https://leadpath.example/activities/{sid}"},
    }


def test_the_embedded_sink_stores_batches_and_answers_like_an_lrs(outbox_db):
    engine = outbox_db.engine
    sink = EmbeddedSink(engine, "https://leadpath.example")
    sid = str(uuid.uuid4())
    answer = sink.post_statements([json.dumps(_statement(sid))])
    assert answer.verdict is Verdict.STORED and json.loads(answer.text) == [sid]
    stored, voided = get_statement(engine, sid)
    assert not voided and stored["authority"]["account"] == {
        "homePage": "https://leadpath.example",
        "name": FORWARDER_KEY,
    }
    again = sink.post_statements([json.dumps(_statement(sid))])
    assert again.verdict is Verdict.STORED
    conflict = sink.post_statements([json.dumps(_statement(sid, verb="completed"))])
    assert conflict.verdict is Verdict.CONFLICT and conflict.status == 409
    rejected = sink.post_statements([json.dumps({"actor": {}})])
    assert rejected.verdict is Verdict.REJECTED and "statement.verb" in rejected.text
    assert sink.post_statements(["{oops"]).verdict is Verdict.REJECTED
    sink.close()


def test_a_store_too_busy_to_write_is_a_transient_answer(outbox_db, monkeypatch):
    # A database that aborts every attempt cannot be arranged on demand, so the LRS's answer
    # to it (Unavailable, after its bounded retries) is raised directly here.
    from xapi.lrs.errors import Unavailable
    from xapi.outbox import embedded

    def busy(*args, **kwargs):
        raise Unavailable("The store is busy with other writes and nothing was saved.")

    monkeypatch.setattr(embedded, "store_statements", busy)
    sink = EmbeddedSink(outbox_db.engine, "https://leadpath.example")
    answer = sink.post_statements([json.dumps(_statement(str(uuid.uuid4())))])
    assert answer.verdict is Verdict.TRANSIENT and answer.status == 503
