"""Every SQLAlchemy MetaData leadpath migrates, and the Alembic entry points."""

from __future__ import annotations

import fcntl
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from sqlalchemy import Connection, MetaData, create_engine, make_url, pool, text

MIGRATIONS = Path(__file__).parent / "migrations"
# Held while migrating a PostgreSQL database, so instances started together migrate in turn.
UPGRADE_LOCK = int.from_bytes(b"leadpath", "big")

CURRENT, BEHIND, NEWER = "current", "behind", "newer"


def all_metadata() -> list[MetaData]:
    """Return the metadata of every package that owns tables."""
    import lti_tool.admin.models  # noqa: F401 - registers the admin session tables on Base
    import lti_tool.assess.models  # noqa: F401 - registers the assessment tables on Base
    import lti_tool.courses.models  # noqa: F401 - registers the course roster tables on Base
    import lti_tool.grades.models  # noqa: F401 - registers the grade outbox table on Base
    import lti_tool.identity.models  # noqa: F401 - registers the identity-linking tables on Base
    import lti_tool.programmes.models  # noqa: F401 - registers the programme tables on Base
    import lti_tool.retention.models  # noqa: F401 - registers the retention tally on Base
    import lti_tool.rights.models  # noqa: F401 - registers the erasure audit table on Base
    from lti_tool.models import Base
    from xapi.lrs.models import LrsBase
    from xapi.outbox.models import OutboxBase

    return [Base.metadata, OutboxBase.metadata, LrsBase.metadata]


def for_this_database(dialect: str):
    """Return Alembic's `include_object` for a database: leave out what another dialect's is.

    An index declared with `ddl_if(dialect=...)` (PostgreSQL's GIN index on the LRS's lookup
    keys) exists only there; Alembic's comparison does not read `ddl_if` itself.
    """

    def include(obj, *_) -> bool:  # (object, name, type_, reflected, compare_to)
        only = getattr(obj, "_ddl_if", None)  # SQLAlchemy keeps Index.ddl_if() here
        return only is None or only.dialect is None or only.dialect == dialect

    return include


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config for the packaged migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


@dataclass(frozen=True)
class Migration:
    """What `upgrade` did: the database's revisions before and after (empty: a new database)."""

    database: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    applied: tuple[str, ...] = ()

    def describe(self) -> str:
        """Say in one line what happened, for the person who ran it."""
        if not self.before:
            made = "" if self.database.startswith("sqlite") else "leadpath's tables in "
            return f"Created {made}the database at {self.database} ({_revisions(self.after)})."
        if self.before == self.after:
            return f"The database at {self.database} is up to date ({_revisions(self.after)})."
        return (
            f"Upgraded the database at {self.database} from {_revisions(self.before)} "
            f"to {_revisions(self.after)} (applied {', '.join(self.applied)})."
        )


def _revisions(heads: tuple[str, ...]) -> str:
    return "revision " + heads[0] if len(heads) == 1 else "revisions " + ", ".join(heads)


def current_revisions(database_url: str) -> tuple[str, ...]:
    """Return the revisions the database is at, sorted; empty when it has no leadpath schema."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "heads") -> Migration:
    """Migrate the database to the newest revision of every branch (an SQLite file 0600).

    Says what was done. Instances that start together (each running `leadpath db upgrade`
    first) migrate one after the other, and the later ones find nothing left to do: a
    PostgreSQL advisory lock, or a lock on a file beside the SQLite database, is held meanwhile.
    """
    from lti_tool.db import protect_sqlite

    cfg = alembic_config(database_url)
    protect_sqlite(database_url)  # before anything opens (and so creates) an SQLite file
    with _upgrade_lock(database_url):
        before = current_revisions(database_url)
        command.upgrade(cfg, revision)
        protect_sqlite(database_url)
        after = current_revisions(database_url)
    script = ScriptDirectory.from_config(cfg)
    applied = _lineage(script, after) - _lineage(script, before)
    shown = make_url(database_url).render_as_string(hide_password=True)
    return Migration(shown, before, after, tuple(sorted(applied)))


def _lineage(script: ScriptDirectory, heads: tuple[str, ...]) -> set[str]:
    """Return the revisions `heads` stand on, themselves included."""
    found: set[str] = set()
    todo = list(heads)
    while todo:
        revision = script.get_revision(todo.pop())
        if revision is not None and revision.revision not in found:
            found.add(revision.revision)
            down = revision.down_revision or ()
            todo.extend((down,) if isinstance(down, str) else down)
    return found


@contextmanager
def _upgrade_lock(database_url: str) -> Iterator[None]:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.connect() as lock:
                lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
                try:
                    yield
                finally:
                    lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
        finally:
            engine.dispose()
        return
    if url.database in (None, "", ":memory:"):
        yield
        return
    fd = os.open(f"{url.database}.upgrade-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revisions() -> frozenset[str]:
    """Return the newest revision of every branch this release knows."""
    return frozenset(_scripts().get_heads())


def schema_state(connection: Connection) -> str:
    """Compare the database's schema with this release's migrations.

    Returns CURRENT (every head applied), BEHIND (some migration of this release is missing:
    run `leadpath db upgrade`) or NEWER (the database carries a revision this release does not
    know, as when a newer release has migrated it).
    """
    applied: set[str] = set()
    for revision in MigrationContext.configure(connection).get_current_heads():
        try:
            applied.update(s.revision for s in _scripts().iterate_revisions(revision, "base"))
        except ResolutionError:
            return NEWER
    return CURRENT if head_revisions() <= applied else BEHIND
