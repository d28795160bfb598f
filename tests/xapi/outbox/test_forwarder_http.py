"""The forwarder's HTTP client: kept-alive connections, dropped connections, proxies."""

from __future__ import annotations

import json

from tests.xapi.outbox.outbox_helpers import statement
from xapi.outbox.client import LrsClient, Verdict


def client_for(endpoint: str) -> LrsClient:
    return LrsClient(endpoint, "key", "secret", connect_timeout=0.5, read_timeout=2)


def batch(n: int) -> list[str]:
    return [json.dumps(statement("learner", n=i)) for i in range(n)]


def test_batches_share_one_kept_alive_connection(standin):
    client = client_for(standin.endpoint)
    answers = [client.post_statements(batch(3)) for _ in range(3)]
    client.close()
    assert [answer.verdict for answer in answers] == [Verdict.STORED] * 3
    assert len(standin.stored) == 9
    assert len(set(standin.peers)) == 1, "each batch opened a new connection"


def test_a_connection_the_lrs_closed_while_idle_does_not_fail_the_next_batch(standin):
    client = client_for(standin.endpoint)
    standin.script = ["drop"]
    first = client.post_statements(batch(2))
    second = client.post_statements(batch(2))
    client.close()
    assert (first.verdict, second.verdict) == (Verdict.STORED, Verdict.STORED)
    assert standin.statuses() == [200, 200]
    assert len(standin.stored) == 4
    assert len(set(standin.peers)) == 2, "the second batch did not go over a new connection"


def test_an_environment_proxy_is_used(standin, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{standin.port}")
    client = client_for("http://lrs.invalid/xapi")  # reachable only through the proxy
    answer = client.post_statements(batch(2))
    client.close()
    assert answer.verdict is Verdict.STORED
    assert len(standin.stored) == 2
    assert standin.paths == ["http://lrs.invalid/xapi/statements"]


def test_a_refused_connection_and_an_lrs_error_come_back_as_retryable_answers(standin):
    client = client_for(standin.endpoint)
    standin.script = [("status", 503, 7)]
    throttled = client.post_statements(batch(1))
    client.close()
    standin.stop()
    client = client_for(standin.endpoint)
    refused = client.post_statements(batch(1))
    client.close()
    assert (throttled.verdict, throttled.status, throttled.retry_after) == (
        Verdict.THROTTLED,
        503,
        7.0,
    )
    assert "scripted 503" in throttled.text
    assert refused.verdict is Verdict.TRANSIENT and "connection failed" in refused.text
