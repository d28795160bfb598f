"""Invitations to register by LTI Dynamic Registration: one URL an administrator pastes in the LMS.

`leadpath platform invite` makes a random token and keeps only its SHA-256. A registration
takes the invitation for itself with one conditional UPDATE (so two registrations cannot both
use it), keeps it when the platform is stored, and gives it back when the registration fails,
at most five times; after that the administrator asks for a new one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from lti_tool.models import RegistrationInvitation, utcnow

_T = RegistrationInvitation.__table__
PARAM = "invitation"
MAX_FAILURES = 5
MAX_LIFETIME = timedelta(days=30)
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class InvitationRefused(ValueError):
    """No usable invitation; `code` says why (missing, unknown, used, expired)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def parse_duration(text: str) -> timedelta:
    """Return the timedelta of '30m', '24h' or '7d'; raise ValueError otherwise."""
    found = _DURATION.match(text or "")
    if not found:
        raise ValueError("give a number and a unit: 30m, 24h or 7d")
    length = timedelta(**{_UNITS[found[2]]: int(found[1])})
    if not timedelta(minutes=1) <= length <= MAX_LIFETIME:
        raise ValueError("give between 1 minute and 30 days")
    return length


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(engine: Engine, lifetime: timedelta) -> tuple[str, datetime]:
    """Store a new invitation; return its token (shown once) and when it expires."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(_T).values(
                token_hash=_hash(token), created_at=now, expires_at=now + lifetime, failures=0
            )
        )
    return token, now + lifetime


def check(engine: Engine, token: str | None) -> None:
    """Raise InvitationRefused unless the token is a usable invitation (nothing is changed)."""
    if not token:
        raise InvitationRefused("invitation_missing", "This registration URL has no invitation.")
    with engine.connect() as conn:
        row = conn.execute(select(_T).where(_T.c.token_hash == _hash(token.strip()))).first()
    _refuse_unless_usable(row)


def _refuse_unless_usable(row) -> None:
    if row is None:
        raise InvitationRefused("invitation_unknown", "This invitation is not one leadpath made.")
    if row.expires_at <= utcnow():
        raise InvitationRefused("invitation_expired", "This invitation has expired.")
    if row.used_at is not None or row.failures >= MAX_FAILURES:
        raise InvitationRefused("invitation_used", "This invitation has already been used.")


def claim(engine: Engine, token: str | None) -> int:
    """Take an invitation for one registration; return its id or raise InvitationRefused."""
    if not token:
        raise InvitationRefused("invitation_missing", "This registration URL has no invitation.")
    now = utcnow()
    digest = _hash(token.strip())
    with engine.begin() as conn:
        taken = conn.execute(
            update(_T)
            .where(
                _T.c.token_hash == digest,
                _T.c.used_at.is_(None),
                _T.c.expires_at > now,
                _T.c.failures < MAX_FAILURES,
            )
            .values(used_at=now)
        )
        row = conn.execute(select(_T).where(_T.c.token_hash == digest)).first()
    if taken.rowcount == 1:
        return row.id
    _refuse_unless_usable(row)
    raise InvitationRefused("invitation_used", "This invitation has already been used.")


def give_back(engine: Engine, invitation_id: int) -> None:
    """Return a claimed invitation after a failed registration, counting the failure."""
    with engine.begin() as conn:
        conn.execute(
            update(_T)
            .where(_T.c.id == invitation_id, _T.c.platform_id.is_(None))
            .values(used_at=None, failures=_T.c.failures + 1)
        )


def mark_used(session, invitation_id: int, platform_id: int) -> None:
    """Record which platform an invitation registered (in the registration's transaction)."""
    session.execute(
        update(_T).where(_T.c.id == invitation_id).values(platform_id=platform_id, used_at=utcnow())
    )
