"""Version negotiation: the forwarder reads each destination's About and sends in its version.

Two kinds of real loopback LRS stand in for outside LRSs:
- leadpath's own embedded LRS app (real validation and storage under either version), served by
  werkzeug behind a gate that stands for an LRS speaking only some versions: its About lists
  only those, and a request in any other version is refused with 400, as a 2.0-only LRS (one
  implementing IEEE 9274.1.1-2023 alone) or a 1.0.3-only LRS answers;
- the scriptable stand-in (`LrsStandIn`), to count About reads and change versions mid-way.
"""

from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server

from tests.xapi.lrs.conftest import basic
from tests.xapi.outbox.outbox_helpers import (
    drain,
    letters_of,
    pending,
    runner_for,
    statement,
    status_of,
)
from tests.xapi.statements.statement_samples import build_all, make_context
from xapi.lrs import create_credential
from xapi.outbox import enqueue
from xapi.outbox.destinations import add_destination


class OnlyVersions:
    """WSGI gate in front of the embedded LRS: only `versions` are spoken, and About says so."""

    def __init__(self, app, versions: list[str]):
        self.app, self.versions, self.seen = app, versions, []

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/xapi/about":
            return self._json(start_response, "200 OK", {"version": self.versions})
        version = environ.get("HTTP_X_EXPERIENCE_API_VERSION")
        if environ["REQUEST_METHOD"] == "POST":
            self.seen.append(version)
        if version not in self.versions:
            error = {"error": f"X-Experience-API-Version {version} is not supported"}
            return self._json(start_response, "400 Bad Request", error)
        return self.app(environ, start_response)

    @staticmethod
    def _json(start_response, status: str, body: dict):
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [payload]


@pytest.fixture
def gated_lrs(app):
    """Serve the embedded LRS behind an `OnlyVersions` gate; yield a factory of (gate, endpoint)."""
    servers = []

    def _serve(versions: list[str]):
        gate = OnlyVersions(app, versions)
        server = make_server("127.0.0.1", 0, gate, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return gate, f"http://127.0.0.1:{server.server_port}/xapi"

    yield _serve
    for server in servers:
        server.shutdown()


def leadpath_statements(outbox_db, issuer: str) -> list[str]:
    """Queue every kind of statement leadpath builds; return their ids."""
    ids = []
    with outbox_db.transaction() as session:
        for made in build_all(make_context()).values():
            enqueue(session, [made], learner_key="learner", platform_issuer=issuer)
            ids.append(made["id"])
    return ids


@pytest.mark.parametrize(
    ("offered", "sent_in"),
    [(["2.0.0"], "2.0.0"), (["1.0.3"], "1.0.3"), (["1.0.3", "2.0.0"], "2.0.0")],
    ids=["2.0-only", "1.0.3-only", "both"],
)
def test_leadpath_statements_reach_an_lrs_in_the_version_it_speaks(
    outbox_db, app, gated_lrs, forwarder_for, unique, offered, sent_in, database_url, data_dir
):
    gate, endpoint = gated_lrs(offered)
    key, secret = create_credential(app.extensions["leadpath.db"].engine, "peer", ["all"])
    name, issuer = f"peer-{unique}", f"https://lms-{unique}.example"
    with outbox_db.transaction() as session:
        add_destination(
            session, name=name, endpoint=endpoint, key=key, secret=secret, platforms=[issuer]
        )
    ids = leadpath_statements(outbox_db, issuer)

    drain(forwarder_for(name), lambda: pending(outbox_db, name) == 0)

    assert letters_of(outbox_db, name) == [], "a statement was refused in the negotiated version"
    assert set(gate.seen) == {sent_in}
    with app.test_client() as client:
        headers = {"Authorization": basic(key, secret), "X-Experience-API-Version": sent_in}
        for statement_id in ids:
            answer = client.get(f"/xapi/statements?statementId={statement_id}", headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert answer.get_json()["id"] == statement_id
    mine = next(d for d in status_of(outbox_db)["destinations"] if d["name"] == name)
    assert mine["xapi_version"] == sent_in
    listed = runner_for(database_url, data_dir)("lrs", "destination", "list")
    assert f"{name}\tcli\t{endpoint}\txAPI {sent_in}\n" in listed
    assert f"{name} (cli, active, xAPI {sent_in})" in runner_for(database_url, data_dir)(
        "outbox", "status"
    )


def queue_plain(outbox_db, issuer: str, count: int) -> None:
    with outbox_db.transaction() as session:
        for n in range(count):
            made = statement(f"{issuer}/learner", n=n)
            enqueue(session, [made], learner_key="learner", platform_issuer=issuer)


def test_about_is_read_once_and_again_only_after_a_failure(
    outbox_db, standin, destination, forwarder_for
):
    standin.versions = ["1.0.3", "2.0.0"]
    queue_plain(outbox_db, destination["issuer"], 30)  # three batches of ten
    forwarder = forwarder_for(destination["name"])
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    assert standin.about_reads == 1
    assert standin.sent_versions == ["2.0.0"] * 3

    standin.script = [("status", 500)]
    queue_plain(outbox_db, destination["issuer"], 10)
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    assert standin.about_reads == 2, "About was not read again after the failed send"


def test_an_lrs_that_drops_1_0_3_meanwhile_gets_the_batch_again_in_2_0(
    outbox_db, standin, destination, forwarder_for
):
    queue_plain(outbox_db, destination["issuer"], 10)
    forwarder = forwarder_for(destination["name"])
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)
    standin.versions = ["2.0.0"]  # upgraded: 1.0.3 requests are now refused with 400
    queue_plain(outbox_db, destination["issuer"], 10)
    drain(forwarder, lambda: pending(outbox_db, destination["name"]) == 0)

    assert standin.sent_versions == ["1.0.3", "1.0.3", "2.0.0"]  # the refused one, resent
    assert standin.statuses() == [200, 400, 200]
    assert letters_of(outbox_db, destination["name"]) == [], "refused for its version, not dead"
    assert len(standin.stored) == 20
    mine = next(d for d in status_of(outbox_db)["destinations"] if d["name"] == destination["name"])
    assert mine["xapi_version"] == "2.0.0"


def test_an_lrs_without_about_gets_1_0_3_and_is_not_asked_before_every_batch(
    outbox_db, standin, destination, forwarder_for
):
    standin.about = False
    queue_plain(outbox_db, destination["issuer"], 30)
    drain(forwarder_for(destination["name"]), lambda: pending(outbox_db, destination["name"]) == 0)
    assert standin.sent_versions == ["1.0.3"] * 3
    assert len(standin.stored) == 30


def test_a_queued_statement_carrying_a_version_is_sent_without_it(
    outbox_db, standin, destination, forwarder_for
):
    """`version` is the LRS's to set (1.0.3 Data 2.4.10); a 1.0.3-only LRS refuses "2.0.0"."""
    made = statement(f"{destination['issuer']}/learner") | {"version": "2.0.0"}
    with outbox_db.transaction() as session:
        enqueue(session, [made], learner_key="learner", platform_issuer=destination["issuer"])
    drain(forwarder_for(destination["name"]), lambda: pending(outbox_db, destination["name"]) == 0)
    assert "version" not in standin.stored[made["id"]]
    assert standin.stored[made["id"]]["verb"] == made["verb"]
