"""A consistent copy of a SQLite store, taken while leadpath runs (SQLite's online backup API).

The copy is made in one backup step, which reads the whole database inside one read
transaction: it is the store as of one moment, and in WAL mode writers carry on meanwhile.
It is written to a private temporary file beside the destination (mode 0600: it holds personal
data), checked with `PRAGMA quick_check`, switched to a self-contained rollback journal, synced
and only then renamed into place, so a failed backup never leaves a partial file under the
destination's name. PostgreSQL has its own tools (`pg_dump`, `pg_restore`; see the README).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup cannot be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class Backup:
    """A finished backup: where it is, its size and how long it took."""

    path: Path
    bytes: int
    seconds: float


def pg_dump_hint(database_url: str) -> str:
    """Return the pg_dump command for a PostgreSQL URL (its password hidden)."""
    url = make_url(database_url).set(drivername="postgresql")
    shown = url.render_as_string(hide_password=True)
    return f"pg_dump --format=custom --file=leadpath.dump '{shown}'"


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "leadpath backup copies a SQLite database; this one is PostgreSQL. Use PostgreSQL's "
            f"own tools instead: {pg_dump_hint(database_url)} (restore with pg_restore; see the "
            "README's Backups section)."
        )
    if url.database in (None, "", ":memory:"):
        raise BackupError("The database is held in memory: there is no file to back up.")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"There is no database at {path}: check LEADPATH_DATABASE_URL.")
    return path


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_sqlite(database_url: str, destination: Path, *, overwrite: bool = False) -> Backup:
    """Copy the SQLite database to `destination` consistently; raise BackupError when it can't."""
    source = _sqlite_path(database_url)
    destination = destination.resolve()
    if destination == source.resolve():
        raise BackupError("The backup must go to another file than the database itself.")
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} exists: choose another name, or pass --force.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no directory {destination.parent}.")
    started = time.monotonic()
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        reader = sqlite3.connect(source, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            reader.backup(copy)  # every page in one step: one consistent snapshot
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"The copy failed SQLite's quick check: {verdict}")
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            reader.close()
        with open(partial, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(partial, destination)
        _sync_dir(destination.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(destination, destination.stat().st_size, time.monotonic() - started)
