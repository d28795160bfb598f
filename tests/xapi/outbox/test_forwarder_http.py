"""The forwarder's HTTP client: kept-alive connections, dropped connections, proxies, TLS.

The LRS is a real HTTP(S) server on loopback (`LrsStandIn`); the proxy is the same stand-in
answering absolute-form requests, as a forward proxy receives them.
"""

from __future__ import annotations

import json
import threading

from tests.support.nginx import self_signed
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import statement
from xapi.outbox.client import LrsClient, Verdict

PROXY_VARIABLES = ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy")


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
    for name in PROXY_VARIABLES:
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


def test_no_proxy_sends_straight_to_the_lrs(standin, monkeypatch):
    proxy = LrsStandIn()  # would take the batch if it were used as the proxy
    try:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        client = client_for(standin.endpoint)
        answer = client.post_statements(batch(2))
        client.close()
    finally:
        proxy.stop()
    assert answer.verdict is Verdict.STORED
    assert (len(standin.stored), len(proxy.stored)) == (2, 0)
    assert standin.paths == ["/xapi/statements"]


def test_https_trusts_the_ca_bundle_named_by_requests_ca_bundle(tmp_path, monkeypatch):
    certificate, key = self_signed(tmp_path)
    lrs = LrsStandIn(tls=(certificate, key))
    try:
        for name in PROXY_VARIABLES + ("CURL_CA_BUNDLE",):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        untrusted = client_for(lrs.endpoint)
        refused = untrusted.post_statements(batch(1))
        untrusted.close()
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))
        trusted = client_for(lrs.endpoint)
        stored = trusted.post_statements(batch(1))
        trusted.close()
    finally:
        lrs.stop()
    assert refused.verdict is Verdict.TRANSIENT and "CERTIFICATE_VERIFY_FAILED" in refused.text
    assert stored.verdict is Verdict.STORED
    assert len(lrs.stored) == 1


def test_the_environment_is_read_once_per_destination(standin, monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    client = client_for(standin.endpoint)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # set later: not this client's
    answer = client.post_statements(batch(1))
    client.close()
    assert answer.verdict is Verdict.STORED and len(standin.stored) == 1


def test_lanes_share_the_destinations_client_with_a_connection_each(standin):
    client = LrsClient(
        standin.endpoint, "key", "secret", connect_timeout=0.5, read_timeout=2, pool_size=2
    )
    standin.delay = 0.2
    threads = [threading.Thread(target=client.post_statements, args=(batch(2),)) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = [client.post_statements(batch(2)) for _ in range(2)]
    client.close()
    assert [answer.verdict for answer in answers] == [Verdict.STORED] * 2
    assert len(standin.stored) == 8
    assert len(set(standin.peers)) == 2, "two lanes, two kept-alive connections, no more"
