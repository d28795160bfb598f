"""Server-side administrator sessions: the cookie holds a random token, the database the rest.

Signing out deletes the row, so a copy of the cookie stops working at once; a session also ends
when the administrator's password changes (its fingerprint no longer matches), after an hour
without a request, and eight hours after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Engine, delete, select, update

from lti_tool.admin.models import AdminSession
from lti_tool.models import utcnow
from xapi.lrs.models import AdminUser

_T = AdminSession.__table__
_ADMINS = AdminUser.__table__
LIFETIME = timedelta(hours=8)
IDLE = timedelta(hours=1)
_TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()


def _password_hash(conn, username: str) -> str | None:
    return conn.scalar(select(_ADMINS.c.password_hash).where(_ADMINS.c.username == username))


def start(engine: Engine, username: str) -> str:
    """Open a session for an administrator who just gave their password; return its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(delete(_T).where(_T.c.expires_at < now))
        conn.execute(
            _T.insert().values(
                token_hash=_hash(token),
                username=username,
                password_fingerprint=_fingerprint(_password_hash(conn, username) or ""),
                created_at=now,
                last_seen_at=now,
                expires_at=now + LIFETIME,
            )
        )
    return token


def current_user(engine: Engine, token: str | None) -> str | None:
    """Return the administrator a session token belongs to, or None if it has ended."""
    if not token:
        return None
    now = utcnow()
    with engine.connect() as conn:
        row = conn.execute(select(_T).where(_T.c.token_hash == _hash(token))).first()
        if row is None or row.expires_at <= now or row.last_seen_at + IDLE <= now:
            return None
        stored = _password_hash(conn, row.username)
    if stored is None or _fingerprint(stored) != row.password_fingerprint:
        return None
    if row.last_seen_at + _TOUCH_EVERY <= now:
        with engine.begin() as conn:
            conn.execute(
                update(_T).where(_T.c.token_hash == row.token_hash).values(last_seen_at=now)
            )
    return row.username


def end(engine: Engine, token: str | None) -> None:
    """End one session (sign-out)."""
    if token:
        with engine.begin() as conn:
            conn.execute(delete(_T).where(_T.c.token_hash == _hash(token)))


def end_all(engine: Engine, username: str) -> int:
    """End every session of an administrator; return how many there were."""
    with engine.begin() as conn:
        return conn.execute(delete(_T).where(_T.c.username == username)).rowcount
