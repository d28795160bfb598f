"""Aware UTC time, as every queue (and every table of leadpath) stores it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """Return `moment` with its UTC zone: SQLite hands back naive datetimes of UTC times."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
