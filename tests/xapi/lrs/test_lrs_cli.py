import json

import pytest
from click.testing import CliRunner

from lti_tool.cli import build
from xapi.lrs import get_statement


@pytest.fixture
def run(database_url, data_dir):
    cli = build()
    env = {
        "LEADPATH_DATABASE_URL": database_url,
        "LEADPATH_DATA_DIR": str(data_dir),
        "LEADPATH_BASE_URL": "http://localhost",
    }

    def _run(*args, input=None):
        return CliRunner().invoke(cli, list(args), env=env, input=input)

    return _run


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
    assert any(s["id"] == sid for s in lines)
    csv_out = run("lrs", "export", "--format", "csv", "--since", "2000-01-01T00:00:00Z")
    assert csv_out.stdout.startswith("id,stored,timestamp") and sid in csv_out.stdout
    dump = tmp_path / "export.jsonl"
    dump.write_text(exported.stdout)
    first = run("lrs", "import", str(dump))
    assert first.exit_code == 0 and " 0 refused" in first.output, first.output
    assert get_statement(engine, sid)[0]["stored"] == stored


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
        headers=headers,
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
