"""Writing to a SQLite store in turn, and bringing statements' lookup keys into the index.

SQLite lets one connection write at a time. Every writer of the LRS's statements and documents
to a database file goes through one `Writer` per process: writers queue on a thread lock and on
a kernel file lock shared by all processes (SQLite's own busy handler polls with sleeps of a
millisecond or more, which wastes most of the time two busy workers have), and always write
through the same connection, which keeps its page cache (SQLite drops a connection's cache
whenever another one has written). A writer reads what it changes after taking the locks, so
no other writer of the LRS comes between its read and its write.

On SQLite, lookup keys are indexed in bulk. A statement's keys are stored with it
(`lrs_statement.key_hashes`) and become `lrs_statement_key` rows once enough statements wait
(`INDEX_AFTER_STATEMENTS`) or enough time has passed (`INDEX_AFTER_SECONDS`), in the writing
transaction of the statement that crosses the line, and always before anything reads the index
(`ensure_indexed`). The keys are kept as JSON so SQLite itself unpacks them (`json_each`) and
sorts the rows; inserting many statements' keys together, sorted, touches each index page once
instead of once per batch, which more than halves the work of storing a statement; readers
never see a partial index. `lrs_index_mark` holds the last sequence number indexed. PostgreSQL,
whose writers run side by side, keeps the keys in the statement row under a GIN index (see
`xapi.lrs.models`) and has nothing to index here.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from xapi.lrs import lookup_keys

INDEX_AFTER_STATEMENTS = 20_000
INDEX_AFTER_SECONDS = 2.0
CHECKPOINT_SECONDS = 5.0
_LAST_CHECKPOINT: dict[str, float] = {}
_LAST_INDEXED: dict[str, float] = {}
_PENDING = (
    "SELECT (SELECT seq FROM lrs_index_mark WHERE id = 1), (SELECT MAX(seq) FROM lrs_statement)"
)


class Writer:
    """The one connection of this process that writes the LRS's rows to a SQLite database."""

    def __init__(self, engine: Engine, lock_path: str | None):
        self.engine = engine
        self.lock_path = lock_path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.conn: Connection | None = None
        self.pid = 0

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Yield the writer connection while holding the locks; roll back what is left open."""
        with self.thread_lock:
            if self.pid != os.getpid():
                self.fd, self.conn, self.pid = None, None, os.getpid()
            if self.lock_path is not None and self.fd is None:
                self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            if self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                if self.conn is None or self.conn.closed or self.conn.invalidated:
                    self.conn = self.engine.connect()
                yield self.conn
            finally:
                if self.conn is not None and self.conn.in_transaction():
                    self.conn.rollback()
                if self.fd is not None:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """Yield the writer connection inside a transaction, committed on success."""
        with self.connection() as conn, conn.begin():
            yield conn


_WRITERS: dict[str, Writer] = {}
_WRITERS_GUARD = threading.Lock()


def sqlite_writer(engine: Engine) -> Writer:
    """Return this process's writer of a SQLite engine's database."""
    key = str(engine.url)
    found = _WRITERS.get(key)
    if found is None or found.engine is not engine:
        with _WRITERS_GUARD:
            database = engine.url.database
            on_disk = database and database != ":memory:" and not database.startswith("file:")
            found = _WRITERS[key] = Writer(engine, f"{database}.lock" if on_disk else None)
    return found


def transaction(engine: Engine):
    """Begin an LRS write transaction: through the writer on SQLite, pooled otherwise."""
    if engine.dialect.name == "sqlite":
        return sqlite_writer(engine).begin()
    return engine.begin()


def checkpoint(engine: Engine) -> None:
    """Fold the WAL back into the SQLite file every few seconds and truncate it.

    SQLite's automatic checkpoints cannot restart the WAL while writers never pause, so under a
    steady stream of statements it would grow without bound.
    """
    key = str(engine.url)
    now = time.monotonic()
    if now - _LAST_CHECKPOINT.get(key, now - CHECKPOINT_SECONDS - 1) < CHECKPOINT_SECONDS:
        return
    _LAST_CHECKPOINT[key] = now
    with sqlite_writer(engine).connection() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def insert_keys(conn: Connection, statements: Iterable[tuple[int, int, dict[int, bool]]]) -> None:
    """Insert the key rows of (seq, stored_us, keys) statements, sorted for page locality."""
    rows = sorted(
        (h, stored_us, seq, is_direct)
        for seq, stored_us, found in statements
        for h, is_direct in found.items()
    )
    if rows:
        conn.exec_driver_sql(
            "INSERT INTO lrs_statement_key (h, stored_us, seq, direct) VALUES (?, ?, ?, ?)", rows
        )


# Key rows of the JSON-encoded statements in a sequence range, worked out and sorted by SQLite.
_INDEX_RANGE = """
INSERT INTO lrs_statement_key (h, stored_us, seq, direct)
SELECT j.value, s.stored_us, s.seq, 1 FROM lrs_statement s, json_each(s.key_hashes, '$[0]') j
WHERE s.seq > :mark AND s.seq <= :last AND substr(s.key_hashes, 1, 1) = '['
UNION ALL
SELECT j.value, s.stored_us, s.seq, 0 FROM lrs_statement s, json_each(s.key_hashes, '$[1]') j
WHERE s.seq > :mark AND s.seq <= :last AND substr(s.key_hashes, 1, 1) = '['
ORDER BY 1, 2, 3
"""


def index_pending(conn: Connection) -> None:
    """Index the keys of the statements stored after the mark (SQLite).

    SQLite reads the keys out of the stored JSON and sorts the rows itself; statements stored
    before keys were kept as JSON are indexed from their earlier text form.
    """
    mark, last = conn.exec_driver_sql(_PENDING).one()
    if mark is None:
        conn.exec_driver_sql("INSERT INTO lrs_index_mark (id, seq) VALUES (1, 0)")
        mark = 0
    if last is None or last <= mark:
        return
    conn.exec_driver_sql(_INDEX_RANGE, {"mark": mark, "last": last})
    earlier = conn.exec_driver_sql(
        "SELECT seq, stored_us, key_hashes FROM lrs_statement "
        "WHERE seq > ? AND seq <= ? AND substr(key_hashes, 1, 1) <> '['",
        (mark, last),
    ).all()
    insert_keys(
        conn, ((seq, stored, lookup_keys.decode_keys(text)) for seq, stored, text in earlier)
    )
    conn.exec_driver_sql("UPDATE lrs_index_mark SET seq = ? WHERE id = 1", (last,))
    _LAST_INDEXED[str(conn.engine.url)] = time.monotonic()


def mark_all_indexed(conn: Connection) -> None:
    """After deleting statements (all indexed), set the mark to the highest sequence left.

    SQLite gives a new row the highest rowid plus one, so once the newest statements are erased
    their numbers come round again; the mark must lie below them.
    """
    conn.exec_driver_sql(
        "UPDATE lrs_index_mark SET seq = (SELECT COALESCE(MAX(seq), 0) FROM lrs_statement) "
        "WHERE id = 1"
    )


def index_if_due(conn: Connection, last_seq: int) -> None:
    """Inside a writing transaction on SQLite, index waiting statements once enough wait."""
    key = str(conn.engine.url)
    mark = conn.exec_driver_sql("SELECT seq FROM lrs_index_mark WHERE id = 1").scalar()
    waited = time.monotonic() - _LAST_INDEXED.get(key, 0.0)
    if mark is None or last_seq - mark >= INDEX_AFTER_STATEMENTS or waited >= INDEX_AFTER_SECONDS:
        index_pending(conn)


def ensure_indexed(engine: Engine) -> None:
    """Before reading the key index on SQLite, index whatever statements still wait."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        mark, last = conn.exec_driver_sql(_PENDING).one()
    if last is not None and (mark is None or last > mark):
        with sqlite_writer(engine).begin() as conn:
            index_pending(conn)
