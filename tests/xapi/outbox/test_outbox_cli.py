"""`leadpath outbox …` and `leadpath lrs destination …`: what an operator sees."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.xapi.outbox.outbox_helpers import (
    BAD_VERB,
    drain,
    letters_of,
    pending,
    runner_for,
    statement,
)
from xapi.outbox import enqueue
from xapi.outbox.destinations import pause_destination
from xapi.outbox.models import Destination


@pytest.fixture
def run(database_url, data_dir):
    return runner_for(database_url, data_dir)


@pytest.fixture
def run_fresh(fresh_database_url, data_dir):
    return runner_for(fresh_database_url, data_dir)


def mine(report: dict, name: str) -> dict:
    return next(d for d in report["destinations"] if d["name"] == name)


def pause(database, name: str, reason: str) -> None:
    with database.transaction() as session:
        row = session.scalar(select(Destination).where(Destination.name == name))
        pause_destination(session, row.id, reason)


def test_status_without_a_destination_says_the_statements_stay_queued(run_fresh, fresh_db):
    assert run_fresh("outbox", "status").strip() == "no destination configured; 0 statements queued"
    with fresh_db.transaction() as session:
        enqueue(session, [statement("a"), statement("a"), statement("b")], learner_key="a")

    assert "ALERT: no destination configured; 3 statements queued" in run_fresh("outbox", "status")
    report = json.loads(run_fresh("outbox", "status", "--json"))
    assert report["unrouted"] == 3
    assert report["destinations"] == []
    assert report["alerts"] == ["no destination configured; 3 statements queued"]


def test_status_shows_counts_and_filters_of_each_destination(run, outbox_db, unique):
    name = f"uni-{unique}"
    issuer = f"https://lms-{unique}.example"
    run(
        "lrs", "destination", "add", "--name", name, "--endpoint", "https://lrs.example/xapi/",
        "--key", "k", "--secret", "s", "--platform", issuer,
    )  # fmt: skip
    with outbox_db.transaction() as session:
        enqueue(session, [statement(unique), statement(unique)], learner_key=unique,
                platform_issuer=issuer)  # fmt: skip

    text = run("outbox", "status")
    assert f"{name} (cli, active) https://lrs.example/xapi" in text
    assert f"only platforms ['{issuer}'], courses any" in text
    report = json.loads(run("outbox", "status", "--json"))
    assert mine(report, name)["platforms"] == [issuer]
    assert mine(report, name)["pending"] == 0  # routed by the forwarder, not by status


def test_a_paused_destination_shows_its_alert_until_retry_resumes_it(run, outbox_db, unique):
    name = f"lrs-{unique}"
    run("lrs", "destination", "add", "--name", name, "--endpoint", "https://lrs.example/xapi",
        "--key", "k", "--secret", "s")  # fmt: skip
    pause(outbox_db, name, "LRS answered HTTP 401: bad credentials")

    text = run("outbox", "status")
    assert f"{name} (cli, PAUSED)" in text
    assert (
        f"ALERT: LRS {name} is paused: LRS answered HTTP 401: bad credentials (fix its "
        f"credentials, then run `leadpath outbox retry --destination {name}`)"
    ) in text
    assert "PAUSED: LRS answered HTTP 401" in run("lrs", "destination", "list")
    report = json.loads(run("outbox", "status", "--json"))
    assert mine(report, name)["paused"] is True

    output = run("outbox", "retry", "--destination", name)
    assert output == f"Resumed {name}; 0 waiting deliveries due now.\n"
    report = json.loads(run("outbox", "status", "--json"))
    assert mine(report, name)["paused"] is False
    assert not any(name in alert for alert in report["alerts"])


def test_lrs_destination_resume_lifts_a_pause(run, outbox_db, unique):
    name = f"lrs-{unique}"
    run("lrs", "destination", "add", "--name", name, "--endpoint", "https://lrs.example/xapi",
        "--key", "k", "--secret", "s")  # fmt: skip
    assert run("lrs", "destination", "resume", "--name", name).strip() == f"{name} was not paused."
    pause(outbox_db, name, "LRS answered HTTP 403: forbidden")
    assert run("lrs", "destination", "resume", "--name", name).strip() == f"Resumed {name}."
    assert "PAUSED" not in run("lrs", "destination", "list")


def test_destination_add_list_remove(run, unique):
    name = f"deanery-{unique}"
    added = run("lrs", "destination", "add", "--name", name, "--endpoint",
                "https://lrs.deanery.example/xapi/", "--key", "k", "--secret", "s",
                "--course", "c1")  # fmt: skip
    assert added.strip() == f"Added LRS destination {name}."
    listed = run("lrs", "destination", "list")
    assert f"{name}\tcli\thttps://lrs.deanery.example/xapi\txAPI not yet sent\n" in listed

    again = run("lrs", "destination", "add", "--name", name, "--endpoint", "https://x.example",
                "--key", "k", "--secret", "s", code=2)  # fmt: skip
    assert f"an LRS destination named '{name}' already exists" in again

    assert run("lrs", "destination", "remove", "--name", name).strip() == (
        f"Removed LRS destination {name}."
    )
    assert name not in run("lrs", "destination", "list")
    missing = run("lrs", "destination", "remove", "--name", name, code=2)
    assert f"no LRS destination named '{name}'" in missing


def test_retry_of_an_unknown_destination_is_refused(run, unique):
    assert f"no LRS destination named 'nope-{unique}'" in run(
        "outbox", "retry", "--destination", f"nope-{unique}", code=2
    )


def test_dead_letters_are_listed_and_requeued(run, outbox_db, standin, destination, forwarder_for):
    name, issuer = destination["name"], destination["issuer"]
    bad = statement(issuer, BAD_VERB)
    with outbox_db.transaction() as session:
        enqueue(session, [statement(issuer), bad], learner_key=issuer, platform_issuer=issuer)
    forwarder = forwarder_for(name)
    drain(forwarder, lambda: pending(outbox_db, name) == 0)

    listed = json.loads(run("outbox", "dead-letter", "--json"))
    letters = [x for x in listed if x["destination"] == name]
    assert [(x["statement_id"], x["status"]) for x in letters] == [(bad["id"], 400)]
    assert "unacceptable verb" in letters[0]["response"]
    assert json.loads(letters[0]["statement"])["id"] == bad["id"]
    text = run("outbox", "dead-letter", "--destination", name)
    assert f"{name} {bad['id']} HTTP 400: " in text
    assert text.strip().endswith("\n1 dead letter")
    report = json.loads(run("outbox", "status", "--json"))
    assert (mine(report, name)["delivered"], mine(report, name)["dead"]) == (1, 1)
    refused = f"LRS {name} refused 1 statements (see `leadpath outbox dead-letter`)"
    assert refused in report["alerts"]

    output = run("outbox", "retry", "--destination", name, "--dead")
    assert output == (
        "No destination was paused; 0 waiting deliveries due now; 1 dead letter re-queued.\n"
    )
    assert letters_of(outbox_db, name) == []
    assert pending(outbox_db, name) == 1
