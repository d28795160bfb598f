"""Writers side by side: inserts that leave rows another writer holds, and a last-resort retry.

On PostgreSQL several requests write at once. Two transactions that insert or lock the same
keys in different orders wait for each other until the database aborts one (a deadlock), so
every write takes its rows in one order: statements by id, then lookup keys, voided targets,
attachments by digest, activities by id, documents one at a time; and a row another writer
has just inserted is left to it (`INSERT … ON CONFLICT DO NOTHING`) rather than failing the
batch. SQLite runs one writer at a time (`indexing.Writer`), but takes the same statements.

`retrying` is the last line of defence: a transaction the database aborts for a deadlock or a
serialization failure (or, on SQLite, a stale snapshot) runs again, a bounded number of times
after a short random pause, each retry logged; then the request gets 503 with Retry-After.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from xapi.lrs.errors import Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5
PAUSE_SECONDS = 0.02  # the first pause is up to this long, doubling with each attempt
# SQLSTATEs of a transaction PostgreSQL aborted to let others through; SQLite's extended code
# for a write from a snapshot another connection has since changed.
_POSTGRESQL = {"40P01": "deadlock", "40001": "serialization failure"}
_SQLITE = {517: "stale snapshot (SQLITE_BUSY_SNAPSHOT)"}


def aborted_for(exc: BaseException) -> str | None:
    """Return why the database aborted a transaction worth running again, or None."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    return _POSTGRESQL.get(getattr(orig, "sqlstate", None) or "") or _SQLITE.get(
        getattr(orig, "sqlite_errorcode", None)
    )


def retrying(what: str, work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run `work` (one whole transaction); run it again when the database aborts it.

    Raises Unavailable (503) once `attempts` runs were all aborted; other errors pass through.
    The log names what was retried and why, never the data.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            reason = aborted_for(exc)
            if reason is None:
                raise
            if attempt == attempts:
                log.error("%s: aborted %d times by the database (%s)", what, attempts, reason)
                raise Unavailable(
                    "The store is busy with other writes and nothing was saved: "
                    "send the request again in a moment."
                ) from exc
            pause = random.uniform(0, PAUSE_SECONDS * 2 ** (attempt - 1))
            log.warning(
                "%s: the database aborted the transaction (%s); running it again in %.0f ms "
                "(attempt %d of %d)",
                what,
                reason,
                pause * 1000,
                attempt + 1,
                attempts,
            )
            time.sleep(pause)
    raise AssertionError("unreachable")


def insert_new(conn: Connection, table: Table, rows: Sequence[dict], key: Sequence[str]) -> set:
    """Insert the rows whose `key` no row holds yet, in key order; return the keys inserted.

    A row another transaction holds or is inserting is left out (after waiting for that
    transaction to end), so concurrent writers of the same new keys neither fail nor deadlock.
    Keys are returned as values for a one-column key, tuples otherwise.
    """
    if not rows:
        return set()
    ordered = sorted(rows, key=lambda row: tuple(row[k] for k in key))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(table)
        .values(ordered)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*(table.c[k] for k in key))
    )
    found = conn.execute(stmt).all()
    return {row[0] for row in found} if len(key) == 1 else {tuple(row) for row in found}
