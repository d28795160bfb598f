"""The time statements and records are dated with: now, or now moved by a set offset.

Everything leadpath dates (statement timestamps, attempt and review times) reads `now()`. A
caller can move that clock for its own context only with `offset(delta)`, for instance to fill
a demo with years of history through the real code paths; time keeps flowing, so events stay in
order. Token lifetimes are checked against the system clock, not this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_OFFSET: ContextVar[timedelta | None] = ContextVar("leadpath_clock_offset", default=None)


def now() -> datetime:
    """Return the current UTC time, moved by this context's offset when one is set."""
    moment = datetime.now(UTC)
    shift = _OFFSET.get()
    return moment + shift if shift else moment


@contextmanager
def offset(delta: timedelta) -> Iterator[None]:
    """Date everything done in this context `delta` away from the system clock."""
    token = _OFFSET.set(delta)
    try:
        yield
    finally:
        _OFFSET.reset(token)
