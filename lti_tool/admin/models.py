"""Tables of administrator sign-in: server-side sessions and failed sign-ins per account/address.

Both live in the database, not in a process, so every app instance sees the same sessions and
counts the same failures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base, utcnow


class AdminSession(Base):
    """A signed-in administrator; the cookie carries a token whose SHA-256 is the key here."""

    __tablename__ = "admin_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(255), index=True)
    # SHA-256 of the password hash at sign-in: a new password ends every older session.
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AdminSignInFailure(Base):
    """Recent wrong passwords for one account (``account:…``) or address (``address:…``)."""

    __tablename__ = "admin_sign_in_failure"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    lockouts: Mapped[int] = mapped_column(default=0)
