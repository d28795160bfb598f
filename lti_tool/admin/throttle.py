"""Sign-in throttling: after five wrong passwords an account, or an address, waits (HTTP 429).

Failures are counted in the database with single UPDATE statements, so concurrent failures on
several app instances are all counted and never collide on a unique constraint. Each lockout
of the same account or address within a day lasts twice as long as the one before (capped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, case, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool.admin.models import AdminSignInFailure
from lti_tool.models import utcnow

_T = AdminSignInFailure.__table__
_MAX_LOCKOUT = timedelta(hours=24)


@dataclass(frozen=True)
class Throttle:
    """How many wrong passwords are allowed in a window, and how long the first lockout lasts."""

    max_failures: int = 5
    lockout_minutes: int = 15


def keys_for(username: str, address: str | None) -> list[str]:
    """Return the counters a sign-in by username from address is charged to."""
    keys = [f"account:{username.strip().lower()[:300]}"]
    if address:
        keys.append(f"address:{address[:300]}")
    return keys


def locked_until(engine: Engine, keys: list[str]) -> datetime | None:
    """Return the latest lockout end among the keys, if any is locked now."""
    now = utcnow()
    with engine.connect() as conn:
        ends = conn.scalars(
            select(_T.c.locked_until).where(_T.c.key.in_(keys), _T.c.locked_until > now)
        ).all()
    return max(ends) if ends else None


def _insert_missing(conn, key: str, now: datetime) -> None:
    values = {"key": key, "failures": 0, "window_started_at": now, "lockouts": 0}
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(_T).values(values).on_conflict_do_nothing()
    elif conn.dialect.name == "sqlite":
        statement = sqlite.insert(_T).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - leadpath runs on SQLite and PostgreSQL
        statement = insert(_T).values(values)
    conn.execute(statement)


def record_failure(engine: Engine, keys: list[str], throttle: Throttle) -> datetime | None:
    """Count one wrong password against every key; return a lockout end if one began or holds."""
    now = utcnow()
    window = timedelta(minutes=throttle.lockout_minutes)
    until: datetime | None = None
    with engine.begin() as conn:
        for key in keys:
            _insert_missing(conn, key, now)
            fresh = (_T.c.window_started_at < now - window) | (_T.c.locked_until <= now)
            conn.execute(
                update(_T)
                .where(_T.c.key == key)
                .values(
                    failures=case((fresh, 1), else_=_T.c.failures + 1),
                    window_started_at=case((fresh, now), else_=_T.c.window_started_at),
                    lockouts=case(
                        (_T.c.window_started_at < now - _MAX_LOCKOUT, 0), else_=_T.c.lockouts
                    ),
                )
            )
            row = conn.execute(
                select(_T.c.failures, _T.c.lockouts, _T.c.locked_until).where(_T.c.key == key)
            ).one()
            if row.locked_until is not None and row.locked_until > now:
                until = max(until or row.locked_until, row.locked_until)
                continue
            if row.failures >= throttle.max_failures:
                length = min(window * (2**row.lockouts), _MAX_LOCKOUT)
                conn.execute(
                    update(_T)
                    .where(_T.c.key == key)
                    .values(
                        locked_until=now + length,
                        lockouts=_T.c.lockouts + 1,
                        failures=0,
                        window_started_at=now,
                    )
                )
                until = max(until or now + length, now + length)
    return until


def clear(engine: Engine, username: str) -> None:
    """Forget an account's failures after a correct password (the address keeps its count)."""
    with engine.begin() as conn:
        conn.execute(delete(_T).where(_T.c.key == keys_for(username, None)[0]))
