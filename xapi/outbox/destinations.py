"""Destination LRSs in the database: settings kept in step, operator add/remove/pause/resume.

The embedded LRS is a destination like the others, whatever else is configured, unless turned
off: `LEADPATH_FORWARDER_EMBEDDED=false` (its queue is kept, and it is on again once the
setting is gone), or `leadpath lrs destination remove --name embedded` (for good, until
`LEADPATH_FORWARDER_EMBEDDED=true`). The same rule holds while forwarding and after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from xapi.outbox.config import DestinationConfig
from xapi.outbox.models import DeadLetter, Delivery, Destination, utcnow

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


def sync_embedded_destination(session: Session, wanted: bool | None) -> Destination | None:
    """Keep the embedded LRS's row as the rule says; `wanted` is LEADPATH_FORWARDER_EMBEDDED.

    The row is made (active unless `wanted` is False) when missing. An existing row is turned
    on by True (even after a removal), off by False; with None it is on unless an operator
    removed it. Returns None when an operator-added LRS took the name.
    """
    row = session.scalar(select(Destination).where(Destination.name == EMBEDDED))
    if row is None:
        row = Destination(
            name=EMBEDDED, endpoint=EMBEDDED_ENDPOINT, source="embedded", active=wanted is not False
        )
        session.add(row)
    elif row.source != "embedded":
        return None
    elif wanted:
        row.active, row.removed_at = True, None
    else:
        row.active = wanted is None and row.removed_at is None
    session.flush()
    return row


def get_destination(session: Session, name: str) -> Destination:
    """Return the destination called `name`, or raise DestinationError."""
    row = session.scalar(
        select(Destination).where(Destination.name == name, Destination.removed_at.is_(None))
    )
    if row is None:
        raise DestinationError(f"no LRS destination named {name!r}")
    return row


def list_destinations(session: Session) -> list[Destination]:
    """Return every destination not removed, by name."""
    query = select(Destination).where(Destination.removed_at.is_(None))
    return list(session.scalars(query.order_by(Destination.name)))


def remove_destination(session: Session, name: str) -> None:
    """Delete an operator-added destination and its delivery records.

    The embedded LRS's row stays, marked removed and inactive, so a restart does not bring it
    back; its delivery records go as for any other.
    """
    row = get_destination(session, name)
    if row.source == "settings":
        raise DestinationError(
            f"the LRS {name!r} comes from settings; unset LEADPATH_LRS_{name.upper()}_ENDPOINT"
        )
    if row.source != "embedded":
        session.delete(row)
        session.flush()
        return
    session.execute(delete(DeadLetter).where(DeadLetter.destination_id == row.id))
    session.execute(delete(Delivery).where(Delivery.destination_id == row.id))
    row.active, row.removed_at = False, utcnow()
    row.paused_at = row.pause_reason = None
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
