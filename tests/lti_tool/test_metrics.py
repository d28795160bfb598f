"""/metrics: off by default, behind a bearer token, counting what operators watch.

An app with metrics on serves a fresh store; launches, refusals and LRS requests go through
it, statements through the real forwarder to the embedded LRS, and the scrape is read back with
prometheus_client's own parser.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lti_tool.grades.models import PENDING, SENT, GradeScore
from lti_tool.retention import prune
from lti_tool.settings import SettingsError, load_settings
from lti_tool.workers import embedded_sink
from tests.support.lti_helpers import launch, make_platform, start_login
from tests.support.services import migrated_database
from tests.xapi.outbox.outbox_helpers import FAST, drain, queued, statement
from xapi.lrs import create_credential
from xapi.outbox import Forwarder, enqueue
from xapi.queue import utcnow

TOKEN = "metrics-token-" + "x" * 40
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def fresh_url(db_kind, tmp_path):
    with migrated_database(db_kind, tmp_path / "metrics.db") as url:
        yield url


@pytest.fixture
def metered(make_app, fresh_url):
    return make_app(database_url=fresh_url, metrics=True, metrics_token=TOKEN)


def scrape(app) -> dict[tuple[str, tuple], float]:
    """Return {(sample name, sorted labels): value} of one authorised scrape."""
    response = app.test_client().get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_off_unless_enabled_and_need_a_token_when_on(client):
    assert client.get("/metrics").status_code == 404
    with pytest.raises(SettingsError, match="LEADPATH_METRICS_TOKEN is not set"):
        load_settings({"LEADPATH_METRICS": "true"})
    with pytest.raises(SettingsError) as short:
        load_settings({"LEADPATH_METRICS": "true", "LEADPATH_METRICS_TOKEN": "hunter2"})
    assert "at least 32 characters (got 7 characters)" in str(short.value)
    assert "hunter2" not in str(short.value), "a secret is never echoed"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"bearer{TOKEN}"],
)
def test_a_scrape_without_the_right_bearer_token_is_refused(metered, header):
    headers = {"Authorization": header} if header else {}
    response = metered.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="leadpath metrics"'
    assert "leadpath_" not in response.text


def test_launches_and_refusals_are_counted_by_message_type_and_check(metered, unique):
    db = metered.extensions["leadpath.db"]
    platform = make_platform(unique).register(db)
    client = metered.test_client()
    before = scrape(metered)
    for n in range(2):
        assert launch(client, platform, sub=f"counted-{n}").status_code == 303
    _, _, refused = start_login(client, platform, iss="")
    assert refused.status_code == 400
    bad = launch(client, platform, sub="counted-x", nonce="not-the-login-nonce")
    assert bad.status_code == 400
    after = scrape(metered)
    resource_link = {"message_type": "LtiResourceLinkRequest"}
    counted = value(after, "leadpath_launches_total", **resource_link)
    assert counted - value(before, "leadpath_launches_total", **resource_link) == 2
    for check in ("login_iss_missing", "nonce_mismatch"):
        grew = value(after, "leadpath_launch_refusals_total", check=check) - value(
            before, "leadpath_launch_refusals_total", check=check
        )
        assert grew == 1, check
    assert value(after, "leadpath_db_pool_capacity", pool="app") > 0
    assert ("leadpath_db_connections_in_use", (("pool", "app"),)) in after


def test_lrs_ingest_and_query_times_are_histograms(metered, unique):
    key, secret = create_credential(
        metered.extensions["leadpath.db"].engine, f"m-{unique}", ["all"]
    )
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
    }
    client = metered.test_client()
    before = scrape(metered)
    batch = [statement(f"lrs-{unique}", n=n) for n in range(3)]
    stored = client.post(
        "/xapi/statements", data=json.dumps(batch), headers=headers, content_type="application/json"
    )
    assert stored.status_code == 200, stored.text
    put = statement(f"lrs-{unique}", n=9)
    assert (
        client.put(
            "/xapi/statements",
            query_string={"statementId": put["id"]},
            data=json.dumps(put),
            headers=headers,
            content_type="application/json",
        ).status_code
        == 204
    )
    assert client.get("/xapi/statements", headers=headers).status_code == 200
    after = scrape(metered)
    ingest = "leadpath_lrs_ingest_seconds_count"
    assert value(after, ingest, via="http") - value(before, ingest, via="http") == 2
    query = "leadpath_lrs_query_seconds_count"
    assert value(after, query) - value(before, query) == 1
    assert value(after, "leadpath_lrs_query_seconds_bucket", le="+Inf") >= 1


def test_queue_figures_come_from_the_database_and_survive_pruning(metered, unique):
    db = metered.extensions["leadpath.db"]
    learner = f"queued-{unique}"
    with db.transaction() as session:
        enqueue(session, [statement(learner, n=n) for n in range(7)], learner_key=learner)
        for status, finished in ((PENDING, None), (SENT, utcnow()), (SENT, utcnow())):
            session.add(
                GradeScore(
                    platform_id=1,
                    issuer="https://lms.example.test",
                    client_id="c",
                    lineitem="https://lms.example.test/lineitems/1",
                    user_id="u",
                    lane=uuid.uuid4().hex,
                    body={"scoreGiven": 1},
                    status=status,
                    finished_at=finished,
                    created_at=utcnow() - timedelta(minutes=5),
                )
            )
    waiting = scrape(metered)
    assert value(waiting, "leadpath_outbox_queued_total") == 7
    assert value(waiting, "leadpath_outbox_unrouted") == 7
    grades = {"platform": "https://lms.example.test"}
    assert value(waiting, "leadpath_grades_pending", **grades) == 1
    assert value(waiting, "leadpath_grades_sent_total", **grades) == 2
    assert value(waiting, "leadpath_grades_oldest_pending_seconds", **grades) >= 300

    sink = embedded_sink(db.sessions, "http://localhost")
    forwarder = Forwarder(db.sessions, FAST, embedded=sink)
    forwarder.prepare()
    try:
        drain(forwarder, lambda: queued(db) == 0)
    finally:
        forwarder.close()
    sent = scrape(metered)
    embedded = {"destination": "embedded"}
    assert value(sent, "leadpath_outbox_delivered_total", **embedded) == 7
    assert value(sent, "leadpath_outbox_pending", **embedded) == 0
    assert value(sent, "leadpath_outbox_dead", **embedded) == 0
    assert value(sent, "leadpath_outbox_paused", **embedded) == 0

    later = utcnow() + timedelta(days=31)
    report = {
        r["table"]: r["rows"] for r in prune(db.engine, metered.config["LEADPATH"], now=later)
    }
    assert report["outbox_statement"] == 6 and report["grade_score"] == 2  # the newest stays
    pruned = scrape(metered)
    assert value(pruned, "leadpath_outbox_delivered_total", **embedded) == 7, "still counted"
    assert value(pruned, "leadpath_outbox_queued_total") == 7
    assert value(pruned, "leadpath_grades_sent_total", **grades) == 2
