"""Destination LRSs in the database: settings kept in step, operator add/remove/pause/resume."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xapi.outbox.config import DestinationConfig
from xapi.outbox.models import Destination, utcnow

EMBEDDED = "embedded"
EMBEDDED_ENDPOINT = "embedded:"


class DestinationError(ValueError):
    """An operator asked for something impossible with destinations (unknown or duplicate name)."""


def sync_settings_destinations(session: Session, configs: Iterable[DestinationConfig]) -> None:
    """Make the rows of settings destinations match `configs` (credentials stay in settings).

    A settings destination no longer configured is kept (its queue is not thrown away) but
    marked inactive; it becomes active again when it reappears.
    """
    configs = {config.name: config for config in configs}
    rows = {row.name: row for row in session.scalars(select(Destination))}
    for name, config in configs.items():
        row = rows.get(name)
        if row is None:
            row = Destination(name=name, source="settings", active=True)
            session.add(row)
        elif row.source != "settings":
            raise DestinationError(
                f"the LRS {name!r} is configured both in settings and with "
                "`leadpath lrs destination add`; remove one of them"
            )
        row.endpoint = config.endpoint
        row.platforms = list(config.platforms) or None
        row.courses = list(config.courses) or None
        row.active = True
    for name, row in rows.items():
        if row.source == "settings" and name not in configs:
            row.active = False
    session.flush()


def add_destination(
    session: Session,
    *,
    name: str,
    endpoint: str,
    key: str,
    secret: str,
    platforms: Iterable[str] = (),
    courses: Iterable[str] = (),
) -> Destination:
    """Store a destination LRS with its credentials and optional filters."""
    if session.scalar(select(Destination.id).where(Destination.name == name)) is not None:
        raise DestinationError(f"an LRS destination named {name!r} already exists")
    row = Destination(
        name=name,
        endpoint=endpoint.rstrip("/"),
        key=key,
        secret=secret,
        platforms=list(platforms) or None,
        courses=list(courses) or None,
        source="cli",
        active=True,
    )
    session.add(row)
    session.flush()
    return row


def ensure_embedded_destination(session: Session) -> Destination:
    """Return the embedded LRS's destination row, creating it when missing."""
    row = session.scalar(select(Destination).where(Destination.name == EMBEDDED))
    if row is None:
        row = Destination(name=EMBEDDED, endpoint=EMBEDDED_ENDPOINT, source="embedded")
        session.add(row)
        session.flush()
    return row


def get_destination(session: Session, name: str) -> Destination:
    """Return the destination called `name`, or raise DestinationError."""
    row = session.scalar(select(Destination).where(Destination.name == name))
    if row is None:
        raise DestinationError(f"no LRS destination named {name!r}")
    return row


def list_destinations(session: Session) -> list[Destination]:
    """Return every destination, by name."""
    return list(session.scalars(select(Destination).order_by(Destination.name)))


def remove_destination(session: Session, name: str) -> None:
    """Delete an operator-added destination and its delivery records."""
    row = get_destination(session, name)
    if row.source == "settings":
        raise DestinationError(
            f"the LRS {name!r} comes from settings; unset LEADPATH_LRS_{name.upper()}_ENDPOINT"
        )
    session.delete(row)
    session.flush()


def pause_destination(session: Session, destination_id: int, reason: str) -> None:
    """Stop forwarding to a destination until an operator resumes it."""
    session.execute(
        update(Destination)
        .where(Destination.id == destination_id)
        .values(paused_at=utcnow(), pause_reason=reason)
    )


def resume_destination(session: Session, name: str | None = None) -> list[str]:
    """Resume one paused destination (or all of them); return the names resumed."""
    query = select(Destination).where(Destination.paused_at.is_not(None))
    if name is not None:
        get_destination(session, name)
        query = query.where(Destination.name == name)
    resumed = []
    for row in session.scalars(query):
        row.paused_at = None
        row.pause_reason = None
        resumed.append(row.name)
    session.flush()
    return resumed


def matches(destination: Destination, platform_issuer: str | None, course_id: str | None) -> bool:
    """Return True when a statement from this platform and course goes to this destination."""
    if destination.platforms and platform_issuer not in destination.platforms:
        return False
    return not (destination.courses and course_id not in destination.courses)
