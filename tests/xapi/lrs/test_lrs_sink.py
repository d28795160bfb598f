import json

from xapi.lrs import get_statement
from xapi.lrs.sink import EmbeddedSink
from xapi.outbox.client import Verdict


def test_the_embedded_sink_stores_batches_and_answers_like_an_lrs(engine, make_statement, new_id):
    sink = EmbeddedSink(engine, "https://leadpath.example")
    sid = new_id()
    answer = sink.post_statements([json.dumps(make_statement(id=sid))])
    assert answer.verdict is Verdict.STORED and get_statement(engine, sid)
    conflict = sink.post_statements([json.dumps(make_statement(id=sid, verb="completed"))])
    assert conflict.verdict is Verdict.CONFLICT and conflict.status == 409
    rejected = sink.post_statements([json.dumps({"actor": {}})])
    assert rejected.verdict is Verdict.REJECTED and "statement.verb" in rejected.text
    assert sink.post_statements(["{oops"]).verdict is Verdict.REJECTED
    sink.close()
