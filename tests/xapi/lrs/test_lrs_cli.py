import base64
import csv
import hashlib
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lti_tool.cli import build
from tests.support.services import migrated_database
from xapi.lrs import attachments as att
from xapi.lrs import authority_for, create_credential, formats, get_statement, store_statements
from xapi.lrs.models import Attachment, Statement

AUTHORITY = authority_for("test", "test", "http://localhost")


@pytest.fixture
def run(database_url, data_dir):
    cli = build()

    def _run(*args, input=None, database=None):
        env = {
            "LEADPATH_DATABASE_URL": database or database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_BASE_URL": "http://localhost",
        }
        return CliRunner().invoke(cli, list(args), env=env, input=input)

    return _run


@pytest.fixture
def empty_store(db_kind, tmp_path):
    """The URL of a second, freshly migrated database holding no statements."""
    with migrated_database(db_kind, tmp_path / "empty.db") as url:
        yield url


def _attachment(content: bytes, content_type: str) -> dict:
    return {
        "usageType": "https://leadpath.example/usage/evidence",
        "display": {"en-GB": "evidence"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


def _post_with_parts(client, headers, statement: dict, parts: list[tuple[str, bytes]]) -> str:
    content_type, body = att.build_multipart(
        json.dumps(statement).encode(),
        [(hashlib.sha256(content).hexdigest(), ct, content) for ct, content in parts],
    )
    response = client.post(
        "/xapi/statements", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json[0]


def _parts_served(client, headers, sid: str) -> list[tuple[dict, bytes]]:
    query = {"statementId": sid, "attachments": "true"}
    got = client.get("/xapi/statements", query_string=query, headers=headers)
    assert got.status_code == 200, got.text
    return [(p.headers, p.body) for p in att.parse_multipart(got.content_type, got.data)]


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(Statement)).scalar_one(),
            conn.execute(select(func.count()).select_from(Attachment)).scalar_one(),
        )


def test_credentials_add_list_revoke(run, client):
    added = run(
        "lrs",
        "credentials",
        "add",
        "--name",
        "forwarder",
        "--scopes",
        "statements/write,statements/read",
        "--json",
    )
    assert added.exit_code == 0, added.output
    pair = json.loads(added.output)
    listed = run("lrs", "credentials", "list")
    assert pair["key"] in listed.output and "active" in listed.output
    assert run("lrs", "credentials", "revoke", pair["key"]).exit_code == 0
    assert run("lrs", "credentials", "revoke", pair["key"]).exit_code == 1


def test_credentials_add_refuses_unknown_scopes(run):
    result = run("lrs", "credentials", "add", "--name", "x", "--scopes", "write")
    assert result.exit_code == 2 and "unknown scope" in result.output


def test_export_jsonl_and_csv_then_import_is_idempotent(
    run, engine, make_statement, tmp_path, headers, client
):
    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=headers).json
    stored = get_statement(engine, sid)[0]["stored"]
    exported = run("lrs", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl")
    assert exported.exit_code == 0
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert any(line.get("id") == sid for line in lines)
    csv_out = run("lrs", "export", "--format", "csv", "--since", "2000-01-01T00:00:00Z")
    assert csv_out.stdout.startswith("id,stored,timestamp") and sid in csv_out.stdout
    dump = tmp_path / "export.jsonl"
    dump.write_text(exported.stdout)
    first = run("lrs", "import", str(dump))
    assert first.exit_code == 0, first.output
    assert ": 0 stored, " in first.stdout and ", 0 refused;" in first.stdout, first.stdout
    assert get_statement(engine, sid)[0]["stored"] == stored


def test_jsonl_export_and_import_restore_statements_and_attachment_bytes_in_an_empty_store(
    run, client, headers, make_statement, make_app, headers_for, empty_store, tmp_path, unique
):
    since = formats.format_micros(formats.now_micros() - 1000)
    report = bytes(range(256)) + unique.encode()  # not UTF-8: must come back byte for byte
    note = f"reflection {unique}".encode()
    first = _post_with_parts(
        client,
        headers,
        make_statement(attachments=[_attachment(report, "application/pdf")]),
        [("application/pdf", report)],
    )
    second = _post_with_parts(
        client,
        headers,
        make_statement(
            attachments=[_attachment(report, "application/pdf"), _attachment(note, "text/plain")]
        ),
        [("application/pdf", report), ("text/plain", note)],
    )
    plain = client.post("/xapi/statements", json=make_statement(), headers=headers).json[0]

    exported = run("lrs", "export", "--since", since, "--output", str(tmp_path / "out.jsonl"))
    assert exported.exit_code == 0, exported.output
    assert exported.stdout == ""
    assert exported.stderr == (
        f"Exported 3 statements and 2 attachments to {tmp_path / 'out.jsonl'}.\n"
    )
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    order = [x["attachment"]["sha2"] if "attachment" in x else x["id"] for x in lines]
    report_sha, note_sha = (hashlib.sha256(c).hexdigest() for c in (report, note))
    assert order == [report_sha, first, note_sha, second, plain], "each attachment once, first"
    assert base64.b64decode(lines[0]["attachment"]["content"]) == report
    assert lines[0]["attachment"]["contentType"] == "application/pdf"

    loaded = run("lrs", "import", str(tmp_path / "out.jsonl"), database=empty_store)
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout == (
        "Read 3 statements: 3 stored, 0 already held, 0 refused; 2 attachments added.\n"
    )
    restored = make_app(database_url=empty_store)
    engine = restored.extensions["leadpath.db"].engine
    before = _counts(engine)
    again = run("lrs", "import", str(tmp_path / "out.jsonl"), database=empty_store)
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        "Read 3 statements: 0 stored, 3 already held, 0 refused; 0 attachments added.\n"
    )
    assert _counts(engine) == before == (3, 2), "importing twice changes nothing"

    key, secret = create_credential(engine, "reader", ["all/read"])
    restored_headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
    }
    for sid in (first, second, plain):
        original = _parts_served(client, headers, sid)
        copy = _parts_served(restored.test_client(), restored_headers, sid)
        assert copy == original


def test_import_reads_an_export_without_attachment_lines(
    run, make_statement, make_app, empty_store, tmp_path, new_id
):
    content = b"kept elsewhere"
    statement = make_statement(attachments=[_attachment(content, "text/plain")], id=new_id())
    statement["stored"] = "2024-05-01T10:00:00.000000Z"
    dump = tmp_path / "old.jsonl"
    dump.write_text(json.dumps(statement) + "\n")
    loaded = run("lrs", "import", str(dump), database=empty_store)
    assert loaded.exit_code == 0, loaded.output
    assert "Read 1 statement: 1 stored, 0 already held, 0 refused; 0 attachments added." in (
        loaded.stdout
    )
    engine = make_app(database_url=empty_store).extensions["leadpath.db"].engine
    held, _ = get_statement(engine, statement["id"])
    assert held["attachments"] == statement["attachments"]


def test_an_export_holding_xapi_2_and_1_0_3_statements_imports_whole(
    run, make_statement, make_app, empty_store, tmp_path, new_id
):
    """Each statement keeps the version it was stored with; 2.0 properties come back too."""
    coach = {"objectType": "Agent", "mbox": "mailto:coach@example.org"}
    v2 = make_statement(
        id=new_id(),
        version="2.0.0",
        context={"contextAgents": [{"objectType": "contextAgent", "agent": coach}]},
    )
    v1 = make_statement(id=new_id(), version="1.0.0")
    for statement in (v2, v1):
        statement["stored"] = "2024-05-01T10:00:00.000000Z"
    dump = tmp_path / "mixed.jsonl"
    dump.write_text("".join(json.dumps(s) + "\n" for s in (v2, v1)))
    loaded = run("lrs", "import", str(dump), database=empty_store)
    assert loaded.exit_code == 0 and "2 stored, 0 already held, 0 refused" in loaded.output
    engine = make_app(database_url=empty_store).extensions["leadpath.db"].engine
    held = get_statement(engine, v2["id"])[0]
    assert held["version"] == "2.0.0" and held["context"] == v2["context"]
    assert get_statement(engine, v1["id"])[0]["version"] == "1.0.0"


def test_import_refuses_an_attachment_line_whose_content_does_not_match_its_sha2(
    run, empty_store, tmp_path
):
    line = {
        "attachment": {
            "sha2": hashlib.sha256(b"original").hexdigest(),
            "contentType": "text/plain",
            "content": base64.b64encode(b"tampered").decode(),
        }
    }
    dump = tmp_path / "bad.jsonl"
    dump.write_text("\n" + json.dumps(line) + "\n")
    result = run("lrs", "import", str(dump), database=empty_store)
    assert result.exit_code == 1
    assert "Line 2: attachment" in result.output and "does not match its sha2" in result.output
    assert "Traceback" not in result.output


def test_csv_export_says_it_holds_statements_only(run):
    result = run("lrs", "export", "--help")
    assert "statements only" in result.output


def test_export_refuses_a_bad_since(run):
    assert run("lrs", "export", "--since", "yesterday").exit_code == 2


def test_erase_agent_removes_statements_and_documents_and_keeps_an_audit(
    run, engine, make_statement, headers, client, unique
):
    from sqlalchemy import select

    from xapi.lrs.models import Erasure

    (sid,) = client.post("/xapi/statements", json=make_statement(), headers=headers).json
    agent = make_statement()["actor"]
    client.put(
        "/xapi/agents/profile",
        query_string={"agent": json.dumps(agent), "profileId": "p"},
        json={"x": 1},
        headers={**headers, "If-None-Match": "*"},
    )
    result = run(
        "lrs",
        "erase-agent",
        "--agent",
        json.dumps(agent),
        "--requested-by",
        "dpo",
        "--reason",
        f"SAR-{unique}",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert "Erased 1 statements and 1 documents" in result.output
    assert get_statement(engine, sid) is None
    with engine.connect() as conn:
        audit = conn.execute(select(Erasure).where(Erasure.reason == f"SAR-{unique}")).one()
    assert audit.statements == 1 and audit.requested_by == "dpo"
    assert unique not in audit.agent_digest


def test_admin_create_user_needs_a_long_password(run, unique):
    short = run("admin", "create-user", f"a-{unique}", "--password", "short")
    assert short.exit_code == 2
    ok = run("admin", "create-user", f"a-{unique}", "--password", "a long enough password")
    assert ok.exit_code == 0


def test_import_stores_what_it_can_and_names_each_refusal_with_its_line_and_reason(
    run, engine, make_statement, new_id, tmp_path
):
    held = make_statement(id=new_id())
    store_statements(engine, [dict(held)], authority=AUTHORITY)
    stored_before = get_statement(engine, held["id"])[0]
    fresh = make_statement(id=new_id())
    invalid = make_statement(id=new_id(), verb="x")
    invalid["verb"]["id"] = "not an iri"
    other = dict(stored_before, result={"completion": True})  # the held id, other content
    lines = [stored_before, fresh, invalid, None, other]
    dump = tmp_path / "mixed.jsonl"
    dump.write_text("".join("\n" if x is None else json.dumps(x) + "\n" for x in lines))

    result = run("lrs", "import", str(dump))

    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "Read 4 statements: 1 stored, 1 already held, 2 refused (1 invalid, 1 id held with "
        "other content); 0 attachments added.\n"
    )
    assert result.stderr.splitlines() == [
        f"Refused line 3 ({invalid['id']}): statement.verb.id: must be an absolute IRI such as "
        "https://example.org/x.",
        f"Refused line 5 ({held['id']}): the id is already stored with other content",
    ]
    assert get_statement(engine, fresh["id"]) is not None
    assert get_statement(engine, invalid["id"]) is None
    assert get_statement(engine, held["id"])[0] == stored_before


def test_a_refused_statement_in_a_full_batch_keeps_none_of_the_others_out(
    run, engine, make_statement, new_id, tmp_path
):
    statements = [make_statement(id=new_id()) for _ in range(520)]
    statements[510]["timestamp"] = "yesterday"
    dump = tmp_path / "big.jsonl"
    dump.write_text("".join(json.dumps(s) + "\n" for s in statements))

    result = run("lrs", "import", str(dump))

    assert result.exit_code == 1
    assert "Read 520 statements: 519 stored, 0 already held, 1 refused (1 invalid)" in (
        result.stdout
    )
    assert result.stderr.startswith(
        f"Refused line 511 ({statements[510]['id']}): statement.timestamp: must be an ISO 8601"
    )
    assert all(get_statement(engine, s["id"]) for i, s in enumerate(statements) if i != 510)


def test_a_line_that_is_not_json_stops_the_import_saying_what_was_stored(
    run, make_statement, new_id, empty_store, tmp_path
):
    dump = tmp_path / "cut.jsonl"
    dump.write_text(json.dumps(make_statement(id=new_id())) + '\n{"id": \n')
    result = run("lrs", "import", str(dump), database=empty_store)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: Line 2 is not JSON. The import stopped there, having stored 0 statements and "
        "0 attachments; once the file is fixed, import it again"
    )
    assert "Traceback" not in result.output


def test_import_reads_standard_input(run, make_statement, new_id, empty_store):
    lines = "".join(json.dumps(make_statement(id=new_id())) + "\n" for _ in range(3))
    result = run("lrs", "import", "-", input=lines.encode(), database=empty_store)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Read 3 statements: 3 stored, 0 already held, 0 refused;")


def test_csv_export_cells_cannot_run_as_spreadsheet_formulas(
    run, client, headers, make_statement, tmp_path
):
    since = formats.format_micros(formats.now_micros() - 1000)
    statement = make_statement()
    statement["actor"]["name"] = '=HYPERLINK("http://evil.example","click")'
    client.post("/xapi/statements", json=statement, headers=headers)
    result = run("lrs", "export", "--format", "csv", "--since", since)
    assert result.exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["actor_name"] == "'" + statement["actor"]["name"]
    assert result.stderr == "Exported 1 statement.\n"


def test_credentials_add_help_lists_every_scope(run):
    from xapi.lrs import SCOPES

    text = " ".join(run("lrs", "credentials", "add", "--help").output.split())
    for scope in SCOPES:
        assert f" {scope} (" in text, scope


def test_admin_create_user_states_the_password_rule_before_asking(run, unique):
    assert "at least 12 characters" in run("admin", "create-user", "--help").output
    typed = "short\nshort\na long enough password\na long enough password\n"
    result = run("admin", "create-user", f"a-{unique}", input=typed)
    assert result.exit_code == 0, result.output
    prompts = result.output.split("Password (at least 12 characters): ")
    assert prompts[0] == "", "the rule comes with the first question"
    assert "Error: use at least 12 characters (this one has 5)" in prompts[1]
    assert f"Administrator a-{unique} can sign in" in result.output
