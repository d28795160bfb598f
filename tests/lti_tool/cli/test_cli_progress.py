"""Long commands draw progress on a terminal, and only there; a summary line ends every run.

Each command runs as its own process with stderr on a pseudo-terminal (`pty`), as in an
operator's shell, or on a pipe, as in a script; stdout always goes to a file.
"""

from __future__ import annotations

import errno
import json
import os
import pty
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.support.services import migrated_database
from xapi.lrs import authority_for, store_statements

LEADPATH = Path(sys.executable).parent / "leadpath"
HOME = "http://localhost"
COUNT = 1200


def _run(args: list[str], env: dict, stdout: Path, *, terminal: bool) -> tuple[int, str]:
    """Run leadpath; return its exit status and what it wrote to stderr."""
    with open(stdout, "wb") as out:
        if not terminal:
            done = subprocess.run(
                [str(LEADPATH), *args], env=env, stdout=out, stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL, timeout=300, check=False,
            )  # fmt: skip
            return done.returncode, done.stderr.decode()
        master, slave = pty.openpty()
        process = subprocess.Popen(
            [str(LEADPATH), *args], env=env, stdout=out, stderr=slave, stdin=subprocess.DEVNULL
        )
        os.close(slave)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError as exc:  # EIO: the process closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        return process.wait(timeout=300), seen.decode()


@pytest.fixture(scope="module")
def stores(db_kind, tmp_path_factory):
    """Two fresh databases: one holding COUNT statements about one learner, one empty."""
    where = tmp_path_factory.mktemp("progress")
    with (
        migrated_database(db_kind, where / "full.db") as full,
        migrated_database(db_kind, where / "empty.db") as empty,
    ):
        learner = str(uuid.uuid4())
        statements = [
            {
                "actor": {"account": {"homePage": HOME, "name": learner}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
                "object": {"id": f"{HOME}/activities/{i}"},
            }
            for i in range(COUNT)
        ]
        engine = create_engine(full)
        store_statements(engine, statements, authority=authority_for("t", "t", HOME))
        engine.dispose()
        yield {"full": full, "empty": empty, "learner": learner, "dir": where}


def _env(database_url: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update(
        {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_BASE_URL": HOME,
            "COLUMNS": "120",
        }
    )
    return env


def test_export_then_import_draw_progress_on_a_terminal(stores, tmp_path):
    export = tmp_path / "export.jsonl"
    status, terminal = _run(
        ["lrs", "export"], _env(stores["full"], tmp_path), export, terminal=True
    )
    assert status == 0, terminal
    assert "Exporting  [" in terminal and "#" * 30 in terminal and "100%" in terminal
    assert terminal.rstrip().endswith(f"Exported {COUNT:,} statements and 0 attachments.")
    assert len(export.read_text().splitlines()) == COUNT  # stdout holds the data alone

    said = tmp_path / "import.out"
    args = ["lrs", "import", str(export)]
    status, terminal = _run(args, _env(stores["empty"], tmp_path), said, terminal=True)
    assert status == 0, terminal
    assert "Importing  [" in terminal and "100%" in terminal
    assert f"{COUNT:,} statements" in terminal  # counted beside the bar
    assert said.read_text() == (
        f"Read {COUNT:,} statements: {COUNT:,} stored, 0 already held, 0 refused; "
        "0 attachments added.\n"
    )


def test_piped_commands_print_their_summary_alone(stores, tmp_path):
    env = _env(stores["full"], tmp_path)
    status, stderr = _run(["lrs", "export", "--format", "csv"], env, tmp_path / "out.csv",
                          terminal=False)  # fmt: skip
    assert status == 0
    assert stderr == f"Exported {COUNT:,} statements.\n"
    assert len((tmp_path / "out.csv").read_text().splitlines()) == COUNT + 1

    query = ["statements", "query", "--learner", stores["learner"], "--format", "jsonl"]
    status, stderr = _run(query, env, tmp_path / "query.jsonl", terminal=False)
    assert status == 0
    assert stderr == f"{COUNT:,} statements from the embedded LRS (3 requests).\n"
    lines = (tmp_path / "query.jsonl").read_text().splitlines()
    assert len(lines) == COUNT and len({json.loads(line)["id"] for line in lines}) == COUNT


def test_a_query_draws_progress_on_a_terminal(stores, tmp_path):
    query = ["statements", "query", "--learner", stores["learner"], "--format", "csv"]
    status, terminal = _run(query, _env(stores["full"], tmp_path), tmp_path / "q.csv",
                            terminal=True)  # fmt: skip
    assert status == 0, terminal
    assert "Reading statements  [" in terminal and f"  {COUNT}" in terminal
    assert terminal.rstrip().endswith(f"{COUNT:,} statements from the embedded LRS (3 requests).")
    limited = [*query, "--limit", "700"]
    status, terminal = _run(limited, _env(stores["full"], tmp_path), tmp_path / "q.csv",
                            terminal=True)  # fmt: skip
    assert "700/700" in terminal and "100%" in terminal
