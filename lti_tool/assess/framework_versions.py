"""Framework versions in the database: bundled ones stored on first use, imported ones added.

Attempts point at the version they were taken under, so a new version never changes past
results. Parsed frameworks are cached per process by content hash.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from framework.loader import framework_from_document, load_bundled, load_framework_text, to_document
from framework.model import Framework
from lti_tool.assess.models import FrameworkVersion

_parsed: dict[str, Framework] = {}
_bundled_stored: set[str] = set()
_lock = threading.RLock()


class FrameworkImportError(ValueError):
    """An imported framework cannot be stored (its message says why)."""


def _store(session: Session, framework: Framework, source: str) -> tuple[FrameworkVersion, bool]:
    found = session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.framework_id == framework.id,
            FrameworkVersion.content_hash == framework.content_hash,
        )
    )
    if found is not None:
        return found, False
    clash = session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.framework_id == framework.id,
            FrameworkVersion.version == framework.version,
        )
    )
    if clash is not None:
        raise FrameworkImportError(
            f"Framework '{framework.id}' version '{framework.version}' is already stored with "
            "different content; give the new edition a new version label."
        )
    row = FrameworkVersion(
        framework_id=framework.id,
        version=framework.version,
        title=framework.title,
        content_hash=framework.content_hash,
        document=to_document(framework),
        source=source,
    )
    session.add(row)
    session.flush()
    with _lock:
        _parsed[row.content_hash] = framework
        _summaries.clear()
    return row, True


def ensure_bundled(session: Session) -> None:
    """Store every bundled framework version not yet in this database (in `session`)."""
    for framework in load_bundled().values():
        _store(session, framework, "bundled")
    session.flush()


def store_bundled_once(db) -> None:
    """Store the bundled frameworks in their own committed transaction, once per process."""
    if db.url in _bundled_stored:
        return
    with _lock:
        if db.url in _bundled_stored:
            return
        try:
            with db.transaction() as session:
                ensure_bundled(session)
        except IntegrityError:
            pass  # another process stored them at the same moment
        _bundled_stored.add(db.url)


def init_app(app) -> None:
    """Make sure the bundled frameworks are stored before the first request is handled."""
    db = app.extensions["leadpath.db"]

    @app.before_request
    def _bundled_frameworks_stored():
        if request.blueprint == "health":
            return None  # probes answer without it: liveness must not wait on the database
        try:
            store_bundled_once(db)
        except SQLAlchemyError:
            # The database is unreachable: /healthz reports it; other pages fail on their own.
            return None


def current_version(session: Session, framework_id: str) -> FrameworkVersion | None:
    """Return the newest stored version of a framework (None when unknown)."""
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.framework_id == framework_id)
        .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class VersionSummary:
    """The identifying columns of a framework version (no document)."""

    id: int
    framework_id: str
    version: str
    title: str


_summaries: dict[tuple[str, str], tuple[float, VersionSummary | None]] = {}
SUMMARY_MAX_AGE = 60.0


def version_summary(session: Session, framework_id: str) -> VersionSummary | None:
    """Return the newest version's id, label and title, cached per process for a minute.

    For statements about launches; attempts record the exact version with current_version().
    """
    key = (str(session.get_bind().url), framework_id)
    now = time.monotonic()
    cached = _summaries.get(key)
    if cached and cached[0] > now:
        return cached[1]
    t = FrameworkVersion
    row = session.execute(
        select(t.id, t.framework_id, t.version, t.title)
        .where(t.framework_id == framework_id)
        .order_by(t.created_at.desc(), t.id.desc())
        .limit(1)
    ).first()
    summary = VersionSummary(*row) if row else None
    if summary is not None:
        _summaries[key] = (now + SUMMARY_MAX_AGE, summary)
    return summary


def framework_of(version: FrameworkVersion) -> Framework:
    """Return the parsed framework a stored version holds."""
    cached = _parsed.get(version.content_hash)
    if cached is None:
        cached = framework_from_document(
            version.document, f"{version.framework_id} {version.version}"
        )
        with _lock:
            _parsed[version.content_hash] = cached
    return cached


def import_framework(
    session: Session, text: str, source_name: str
) -> tuple[FrameworkVersion, bool]:
    """Validate and store a framework file's text; return the version and whether it is new.

    Raises framework.errors.FrameworkFileError for an invalid file (naming file, path and
    problem) and FrameworkImportError for a version label reused with other content.
    """
    ensure_bundled(session)
    return _store(session, load_framework_text(text, source_name), "imported")
