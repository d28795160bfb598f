"""Database engine and sessions: one engine per app, one session per request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

EXTENSION_KEY = "leadpath.db"


def private_dir(path: Path) -> Path:
    """Create a directory readable only by leadpath's user (0700), or make it so."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def sqlite_file(url: str) -> Path | None:
    """Return the file of an SQLite URL, or None (another database, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def protect_sqlite(url: str) -> None:
    """Make an SQLite database and its -wal/-shm files 0600, creating an empty one if missing.

    SQLite gives the -wal and -shm files it creates the database file's mode, so a 0600
    database keeps them 0600 too; files left by an earlier run are corrected here.
    """
    path = sqlite_file(url)
    if path is None:
        return
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL (checkpoints every ~40 MB), foreign keys, busy timeout.

    Bound values never appear in SQLAlchemy's error messages (they may be names or emails, and
    an error's message reaches the log).
    """
    if url.startswith("sqlite"):
        protect_sqlite(url)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised implicitly
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Checkpoint every ~40 MB of WAL rather than SQLite's 4 MB: a page written by many
            # commits in between is copied back once, which cuts write work by about a quarter
            # under a steady stream of statements.
            cur.execute("PRAGMA wal_autocheckpoint=10000")
            cur.close()
            protect_sqlite(url)  # WAL mode has just created -wal and -shm

        return engine
    # libpq waits for ever on a host that drops packets: readiness probes must not.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 10},
        hide_parameters=True,
    )


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    @property
    def is_postgresql(self) -> bool:
        """Return True for a PostgreSQL database."""
        return self.engine.dialect.name == "postgresql"


def init_app(app: Flask) -> Database:
    """Attach a Database to the app and close the request session on teardown.

    The data directory (database, keys, secret key) is made readable only by leadpath's user.
    """
    settings = app.config["LEADPATH"]
    private_dir(Path(settings.data_dir))
    db = Database(settings.database_url)
    app.extensions[EXTENSION_KEY] = db

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return db


def get_db() -> Database:
    """Return the current app's Database."""
    return current_app.extensions[EXTENSION_KEY]


def get_session() -> Session:
    """Return the request's session (created on first use, closed on teardown)."""
    if "db_session" not in g:
        g.db_session = get_db().sessions()
    return g.db_session
