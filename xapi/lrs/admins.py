"""LRS administrators: usernames with hashed passwords, for the statement browser."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from xapi.lrs.models import AdminUser
from xapi.lrs.secrets_hash import hash_secret, verify_secret

_T = AdminUser.__table__
_DUMMY: list[str] = []


def set_admin(engine: Engine, username: str, password: str) -> None:
    """Create an administrator, or reset the password of an existing one."""
    with engine.begin() as conn:
        conn.execute(delete(_T).where(_T.c.username == username))
        conn.execute(
            insert(_T).values(
                username=username, password_hash=hash_secret(password), created_at=datetime.now(UTC)
            )
        )


def check_admin(engine: Engine, username: str, password: str) -> bool:
    """Return True when the username and password belong to an administrator."""
    with engine.connect() as conn:
        stored = conn.execute(select(_T.c.password_hash).where(_T.c.username == username)).scalar()
    if stored is None:
        if not _DUMMY:
            _DUMMY.append(hash_secret("not a password"))
        verify_secret(password, _DUMMY[0])
        return False
    return verify_secret(password, stored)
