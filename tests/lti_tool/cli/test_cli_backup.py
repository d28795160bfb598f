"""Backups of a running store, restored and read back.

SQLite: `leadpath backup` (a separate process, as an operator runs it) copies the database
while writer threads keep committing; the copy is one moment of the store (every writer's
transaction whole or absent) and serves a launch session and the LRS's statements once an app
runs on it. PostgreSQL: `leadpath backup` points at pg_dump, and a pg_dump / pg_restore round
trip (the README's commands) gives an app that reads the same back.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, func, select

from lti_tool import schema
from lti_tool.db import Database
from tests.support.lti_helpers import launch, make_platform
from tests.support.services import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    unavailable,
)
from xapi.lrs import (
    StatementQuery,
    authority_for,
    get_statement,
    query_statements,
    store_statements,
)
from xapi.outbox import enqueue
from xapi.outbox.models import OutboxStatement

BASE = "http://localhost"
AUTHORITY = authority_for("backup-test", "backup test", BASE)


def _leadpath(env: dict, *args: str) -> subprocess.CompletedProcess:
    code = "from lti_tool.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _env(url: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update({"LEADPATH_DATABASE_URL": url, "LEADPATH_DATA_DIR": str(data_dir)})
    return env


def _statement(n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": BASE, "name": f"writer-{n}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": f"{BASE}/items/{n}"},
    }


class Writers:
    """Threads committing pairs of outbox rows and LRS batches until stopped."""

    def __init__(self, database: Database, threads: int = 3):
        self.database = database
        self.stop = threading.Event()
        self.committed = Counter()
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(threads)
        ]

    def _write(self, n: int) -> None:
        round_ = 0
        while not self.stop.is_set():
            round_ += 1
            try:
                key = f"pair-{n}-{round_}"
                with self.database.transaction() as session:  # both rows, or neither
                    enqueue(session, [_statement(n), _statement(n)], learner_key=key)
                store_statements(
                    self.database.engine,
                    [_statement(n) for _ in range(5)],
                    authority=AUTHORITY,
                )
                self.committed[n] += 1
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
                return

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def _seed(app, database: Database, unique: str) -> tuple[str, str]:
    """A launch (its session URL) and one statement in the LRS; return (url, statement id)."""
    platform = make_platform(unique).register(database)
    landed = launch(app.test_client(), platform, sub="backed-up")
    assert landed.status_code == 303
    made = _statement(0)
    store_statements(database.engine, [made], authority=AUTHORITY)
    return landed.location, made["id"]


def _reads_back(make_app, url: str, session_url: str, statement_id: str) -> None:
    restored = make_app(database_url=url)
    page = restored.test_client().get(session_url)
    assert page.status_code == 200, "the launch session works on the restored store"
    engine = restored.extensions["leadpath.db"].engine
    with engine.connect() as conn:
        assert schema.schema_state(conn) == schema.CURRENT
    found = get_statement(engine, statement_id)
    assert found is not None and found[0]["id"] == statement_id
    query = StatementQuery(agent={"account": {"homePage": BASE, "name": "writer-0"}}, limit=1)
    assert query_statements(engine, query).statements(), "the LRS's index answers queries"


def _pairs_whole(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(OutboxStatement.learner_key, func.count())
                .where(OutboxStatement.learner_key.like("pair-%"))
                .group_by(OutboxStatement.learner_key)
            ).all()
    finally:
        engine.dispose()
    assert all(count == 2 for _, count in rows), "a transaction was copied in part"
    return len(rows)


def test_a_backup_taken_while_writers_commit_restores_and_reads_back(
    make_app, db_kind, tmp_path, unique
):
    if db_kind == "postgresql":
        _pg_dump_round_trip(make_app, tmp_path, unique)
        return
    source = tmp_path / "live.db"
    url = f"sqlite:///{source}"
    schema.upgrade(url)
    app = make_app(database_url=url)
    database = app.extensions["leadpath.db"]
    session_url, statement_id = _seed(app, database, unique)
    copy = tmp_path / "backups" / "leadpath-copy.db"
    copy.parent.mkdir()

    with Writers(database) as writers:
        while sum(writers.committed.values()) < 5 and not writers.errors:
            threading.Event().wait(0.01)
        before = sum(writers.committed.values())
        made = _leadpath(_env(url, tmp_path), "backup", str(copy))
        during = sum(writers.committed.values()) - before
        while sum(writers.committed.values()) < before + during + 5 and not writers.errors:
            threading.Event().wait(0.01)
    assert writers.errors == []
    assert made.returncode == 0, made.stderr
    assert f"Backed up the database to {copy}" in made.stdout and "quick check ok" in made.stdout
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert [p.name for p in copy.parent.iterdir()] == [copy.name], "no partial file is left"

    in_copy = _pairs_whole(f"sqlite:///{copy}")
    assert 0 < in_copy < _pairs_whole(url), "the writers went on after the copy was taken"

    again = _leadpath(_env(url, tmp_path), "backup", str(copy))
    assert again.returncode == 1 and "exists" in again.stderr

    restored = tmp_path / "restored.db"
    shutil.copy(copy, restored)  # the README's restore: the copy in place of the database
    _reads_back(make_app, f"sqlite:///{restored}", session_url, statement_id)


def _pg_dump_round_trip(make_app, tmp_path: Path, unique: str) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump and pg_restore are not installed")
    url, name = create_postgres_database()
    target_url, target = create_postgres_database()
    try:
        schema.upgrade(url)
        app = make_app(database_url=url)
        database = app.extensions["leadpath.db"]
        session_url, statement_id = _seed(app, database, unique)

        told = _leadpath(_env(url, tmp_path), "backup", str(tmp_path / "x.db"))
        assert told.returncode == 1
        assert "pg_dump --format=custom" in told.stderr and "pg_restore" in told.stderr

        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        dump = tmp_path / "leadpath.dump"
        with Writers(database):
            subprocess.run(
                ["pg_dump", "--format=custom", f"--file={dump}", f"{base}/{name}"],
                check=True,
                timeout=120,
            )
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={base}/{target}", str(dump)],
            check=True,
            timeout=120,
        )
        assert _pairs_whole(target_url) > 0
        _reads_back(make_app, target_url, session_url, statement_id)
    finally:
        for application_db in (name, target):
            drop_postgres_database(application_db)
