"""The embedded LRS as a destination: statements read back over HTTP; on unless turned off."""

from __future__ import annotations

import base64
from dataclasses import replace

from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.cli import build
from lti_tool.workers import embedded_sink
from tests.xapi.outbox.outbox_helpers import FAST, drain, pending, statement
from xapi.lrs import create_credential
from xapi.outbox import Forwarder, enqueue
from xapi.outbox.destinations import EMBEDDED
from xapi.outbox.models import Destination


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


def embedded_state(database) -> tuple[bool, bool] | None:
    """Return (active, removed) of the embedded LRS's destination row, None without one."""
    with database.sessions() as session:
        row = session.scalar(select(Destination).where(Destination.name == EMBEDDED))
        return None if row is None else (row.active, row.removed_at is not None)


def test_the_embedded_lrs_is_turned_off_only_by_its_setting_or_by_removal(
    fresh_db, fresh_database_url, data_dir, standin, unique
):
    def restart(wanted=None):
        """Start a forwarder as `leadpath forwarder` does, with LEADPATH_FORWARDER_EMBEDDED."""
        forwarder = Forwarder(
            fresh_db.sessions,
            replace(FAST, embedded=wanted),
            embedded=embedded_sink(fresh_db.sessions, "http://localhost"),
        )
        forwarder.prepare()
        forwarder.close()
        return embedded_state(fresh_db)

    def cli(*args):
        env = {"LEADPATH_DATABASE_URL": fresh_database_url, "LEADPATH_DATA_DIR": str(data_dir)}
        result = CliRunner().invoke(build(), list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert restart() == (True, False)
    cli("lrs", "destination", "add", "--name", f"uni-{unique}", "--endpoint", standin.endpoint,
        "--key", "key", "--secret", "secret")  # fmt: skip
    assert restart() == (True, False), "another LRS leaves the embedded one on"
    assert restart(False) == (False, False), "the setting turns it off"
    assert restart() == (True, False), "… until the setting is gone"

    with fresh_db.transaction() as session:
        enqueue(session, [statement(unique)], learner_key=unique)
    Forwarder(fresh_db.sessions, FAST).route()
    assert pending(fresh_db, EMBEDDED) == 1
    assert cli("lrs", "destination", "remove", "--name", EMBEDDED) == (
        "Removed LRS destination embedded.\n"
    )
    assert pending(fresh_db, EMBEDDED) == 0 and pending(fresh_db, f"uni-{unique}") == 1
    assert restart() == (False, True), "a removal lasts across restarts"
    assert EMBEDDED not in cli("lrs", "destination", "list")
    assert restart(True) == (True, False), "the setting turns it on again"
    listed = cli("lrs", "destination", "list")
    assert f"{EMBEDDED}\tembedded\tembedded:\tstored in-process\n" in listed
