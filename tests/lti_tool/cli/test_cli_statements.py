"""`leadpath statements query`: xAPI's filters, `more` followed, in-process and over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from lti_tool.cli import build
from lti_tool.cli.common import spreadsheet_safe
from tests.support.loopback import closed_port_url, serve_wsgi
from xapi.lrs import authority_for, create_credential, store_statements
from xapi.reader import HttpTransport, ReadError, read_statements
from xapi.statements.vocabulary import COMPLETED, LAUNCHED, RATED

HOME = "http://localhost"  # LEADPATH_BASE_URL of the tests: the learners' account homePage
AUTHORITY = authority_for("test", "test", HOME)


@pytest.fixture
def run(database_url, data_dir):
    def _run(*args, input=None):
        env = {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_BASE_URL": HOME,
        }
        return CliRunner().invoke(build(), ["statements", "query", *args], env=env, input=input)

    return _run


@pytest.fixture
def engine(app):
    return app.extensions["leadpath.db"].engine


def _statement(learner: str, verb, activity: str, registration: str, **extra) -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": learner}},
        "verb": {"id": verb.iri(HOME), "display": verb.display()},
        "object": {
            "objectType": "Activity",
            "id": activity,
            "definition": {"name": {"en-GB": "Self-assessment"}},
        },
        "context": {"registration": registration},
    }
    statement.update(extra)
    return statement


@pytest.fixture
def cohort(engine, unique):
    """25 statements about one learner (stored in one batch: newest first is the reverse)."""
    learner = str(uuid.uuid4())
    activity = f"{HOME}/activities/{unique}"
    registrations = [str(uuid.uuid4()) for _ in range(3)]
    made = []
    for i in range(25):
        verb = COMPLETED if i % 5 == 4 else LAUNCHED
        made.append(_statement(learner, verb, activity, registrations[i % 3]))
    made[7]["result"] = {"score": {"scaled": 0.5}, "success": False}
    store_statements(engine, [dict(s) for s in made], authority=AUTHORITY)
    return {"learner": learner, "activity": activity, "registrations": registrations, "made": made}


def _ids(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines()]


def test_in_process_query_follows_more_across_pages(run, cohort):
    result = run("--learner", cohort["learner"], "--page-size", "10", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert _ids(result.stdout) == [s["id"] for s in reversed(cohort["made"])]
    assert result.stderr == "25 statements from the embedded LRS (3 requests).\n"


def test_over_http_the_embedded_lrs_gives_the_same_pages(run, app, engine, cohort):
    key, secret = create_credential(engine, "reader", ["statements/read"])
    asked = ["--learner", cohort["learner"], "--page-size", "10", "--ascending"]
    with serve_wsgi(app) as base:
        endpoint = f"{base}/xapi/"
        over_http = run(*asked, "--format", "jsonl", "--endpoint", endpoint, "--key", key,
                        "--secret", secret)  # fmt: skip
        prompted = run(*asked, "--format", "csv", "--endpoint", endpoint, "--key", key,
                       input=secret + "\n")  # fmt: skip
    in_process = run(*asked, "--format", "jsonl")
    assert over_http.exit_code == 0, over_http.output
    assert _ids(over_http.stdout) == [s["id"] for s in cohort["made"]]
    assert over_http.stdout == in_process.stdout
    assert over_http.stderr == f"25 statements from the LRS at {endpoint} (3 requests).\n"
    assert prompted.exit_code == 0, prompted.output
    assert len(list(csv.DictReader(io.StringIO(prompted.stdout)))) == 25


def test_each_filter_narrows_the_query(run, cohort, engine):
    made, learner = cohort["made"], cohort["learner"]
    newest_first = list(reversed(made))

    def ids(*args):
        result = run("--learner", learner, "--format", "jsonl", *args)
        assert result.exit_code == 0, result.output
        return _ids(result.stdout)

    completed = [s["id"] for s in newest_first if s["verb"]["id"] == COMPLETED.iri(HOME)]
    assert ids("--verb", "completed") == completed
    assert ids("--verb", COMPLETED.iri(HOME)) == completed
    second = cohort["registrations"][1]
    by_registration = [s["id"] for s in newest_first if s["context"]["registration"] == second]
    assert ids("--registration", second.upper()) == by_registration
    assert ids("--activity", cohort["activity"], "--limit", "4") == [
        s["id"] for s in newest_first[:4]
    ]
    assert ids("--until", "2000-01-01T00:00:00Z") == []
    assert len(ids("--since", "2000-01-01T00:00:00Z")) == 25
    agent = json.dumps({"account": {"homePage": HOME, "name": learner}})
    assert (
        run("--agent", agent, "--format", "jsonl").stdout
        == run("--learner", learner, "--format", "jsonl").stdout
    )

    # A rater's statement names the learner in context.team: found only with related agents.
    about = _statement(str(uuid.uuid4()), RATED, cohort["activity"], str(uuid.uuid4()))
    about["context"]["team"] = {
        "objectType": "Group",
        "member": [{"account": {"homePage": HOME, "name": learner}}],
    }
    store_statements(engine, [dict(about)], authority=AUTHORITY)
    assert about["id"] not in ids()
    assert ids("--related-agents")[0] == about["id"]


def test_limit_stops_early_and_says_the_lrs_holds_more(run, cohort):
    result = run("--learner", cohort["learner"], "--limit", "3", "--format", "jsonl")
    assert _ids(result.stdout) == [s["id"] for s in reversed(cohort["made"][-3:])]
    assert result.stderr == (
        "3 statements from the embedded LRS "
        "(1 request; stopped at --limit 3, the LRS holds more).\n"
    )


def test_xapi_format_ids_and_the_table_for_people(run, cohort):
    ids_only = run("--learner", cohort["learner"], "--xapi-format", "ids", "--format", "jsonl")
    first = json.loads(ids_only.stdout.splitlines()[0])
    assert first["verb"] == {"id": COMPLETED.iri(HOME)} and "definition" not in first["object"]

    table = run("--learner", cohort["learner"]).stdout.splitlines()
    assert table[0].split() == ["stored", "actor", "verb", "object", "result"]
    assert len(table) == 26
    row = next(line for line in table if "50%" in line)
    assert cohort["learner"][:20] in row and "launched" in row and "Self-assessment" in row
    assert "not passed" in row


def test_csv_cells_that_could_run_as_formulas_are_escaped(run, engine, unique):
    learner = f"=cmd|' /C calc'!A0 {unique}"
    risky = _statement(learner, LAUNCHED, f"{HOME}/activities/{unique}", str(uuid.uuid4()))
    risky["actor"]["name"] = "@SUM(1+1)"
    store_statements(engine, [dict(risky)], authority=AUTHORITY)
    result = run("--learner", learner, "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["actor_name"] == "'@SUM(1+1)"
    assert row["actor"] == f"{HOME}|{learner}"  # starts with "h": left as it is
    assert row["id"] == risky["id"]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-0.5, -0.5),
        (True, True),
    ],
)
def test_spreadsheet_safe_cells(cell, shown):
    assert spreadsheet_safe(cell) == shown


def test_bad_options_are_refused_with_a_sentence(run, cohort):
    bad_since = run("--since", "yesterday")
    assert bad_since.exit_code == 2 and "ISO 8601 timestamp" in bad_since.output
    both = run("--learner", "a", "--agent", '{"mbox": "mailto:a@example.ac.uk"}')
    assert both.exit_code == 2 and "Give --agent or --learner, not both." in both.output
    assert run("--registration", "12").exit_code == 2
    assert run("--key", "k").exit_code == 2
    # The LRS's own checks answer too, in-process as over HTTP.
    wrong_agent = run("--agent", '{"name": "nobody"}')
    assert wrong_agent.exit_code == 1
    assert "The embedded LRS refused the query (HTTP 400): agent" in wrong_agent.output
    assert "Traceback" not in wrong_agent.output


def test_wrong_credentials_and_an_unreachable_lrs_are_said_plainly(run, app, engine):
    key, _ = create_credential(engine, "reader", ["statements/read"])
    with serve_wsgi(app) as base:
        refused = run("--endpoint", f"{base}/xapi", "--key", key, "--secret", "wrong")
    assert refused.exit_code == 1
    assert "refused the credentials (HTTP 401)" in refused.output
    assert "Check the key and secret" in refused.output
    gone = closed_port_url().rsplit("/", 1)[0]
    unreachable = run("--endpoint", gone, "--key", "k", "--secret", "s")
    assert unreachable.exit_code == 1
    assert "could not be reached: the connection was refused or failed." in unreachable.output


class StandIn:
    """A loopback LRS that records each request and answers with scripted pages."""

    def __init__(self, pages: list[dict], delay: float = 0.0):
        self.pages, self.delay, self.requests = list(pages), delay, []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                import time

                stand_in.requests.append((self.path, dict(self.headers)))
                time.sleep(stand_in.delay)
                body = json.dumps(stand_in.pages.pop(0) if stand_in.pages else {}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_every_filter_reaches_the_lrs_with_the_version_header(run):
    lrs = StandIn([{"statements": [], "more": ""}])
    try:
        result = run(
            "--endpoint", f"{lrs.url}/xapi", "--key", "k", "--secret", "s",
            "--agent", '{"mbox": "mailto:a@example.ac.uk"}', "--verb", "completed",
            "--activity", "https://example.ac.uk/a", "--registration", str(uuid.UUID(int=1)),
            "--related-activities", "--related-agents", "--since", "2024-01-01T00:00:00Z",
            "--until", "2025-01-01T00:00:00Z", "--page-size", "50", "--ascending",
            "--xapi-format", "canonical", "--language", "en-GB,en",
        )  # fmt: skip
    finally:
        lrs.close()
    assert result.exit_code == 0, result.output
    [(path, headers)] = lrs.requests
    sent = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    assert urlsplit(path).path == "/xapi/statements"
    assert sent == {
        "agent": '{"mbox":"mailto:a@example.ac.uk"}',
        "verb": "http://adlnet.gov/expapi/verbs/completed",
        "activity": "https://example.ac.uk/a",
        "registration": "00000000-0000-0000-0000-000000000001",
        "related_activities": "true",
        "related_agents": "true",
        "since": "2024-01-01T00:00:00Z",
        "until": "2025-01-01T00:00:00Z",
        "limit": "50",
        "ascending": "true",
        "format": "canonical",
    }
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert headers["Accept-Language"] == "en-GB,en"
    assert headers["Authorization"].startswith("Basic ")


def test_a_more_link_to_another_server_is_not_followed(run):
    elsewhere = StandIn([{"statements": [], "more": ""}])
    lrs = StandIn([{"statements": [{"id": "x"}], "more": f"{elsewhere.url}/steal"}])
    try:
        result = run("--endpoint", lrs.url, "--key", "k", "--secret", "s", "--format", "jsonl")
    finally:
        lrs.close()
        elsewhere.close()
    assert result.exit_code == 1
    assert "sent a `more` link to another server" in result.output
    assert "(1 statement printed before it.)" in result.output
    assert elsewhere.requests == []


def test_a_silent_lrs_times_out_with_a_sentence():
    lrs = StandIn([{"statements": [], "more": ""}], delay=2)
    transport = HttpTransport(lrs.url, "k", "s", timeout=(1, 0.5), retries=0)
    try:
        with pytest.raises(
            ReadError,
            match=r"did not answer in time \(waited 1 s to connect, 0.5 s for each answer\)",
        ):
            list(read_statements(transport, {}))
    finally:
        transport.close()
        lrs.close()
