"""Server-side launch state: each OIDC login's state and nonce, consumed exactly once.

A launch reads its login first (`peek`) and uses it up (`claim`) in the same transaction that
records the launch, so a launch is recorded at most once per login, even when raced.

The database keeps it by default; with LEADPATH_REDIS_URL several app instances share Redis.
A consumed state stays as a tombstone until it expires so a replay is named as such.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import bindparam, delete, insert, select, update

from lti_tool.db import Database
from lti_tool.lti.errors import LaunchError
from lti_tool.models import LaunchState, utcnow
from lti_tool.prepared import Prepared

EXTENSION_KEY = "leadpath.launch_state"
RESTART_HINT = "Start the activity again from the course page; each launch link works once."


_COLUMNS = ("state", "nonce", "issuer", "client_id", "target_link_uri")


@dataclass(frozen=True)
class PendingLogin:
    """What the tool remembers between the OIDC login and the launch."""

    state: str
    nonce: str
    issuer: str
    client_id: str
    target_link_uri: str


def _replayed() -> LaunchError:
    return LaunchError(
        "launch_replayed",
        "This launch has already been used: its id_token and state were accepted once before.",
        RESTART_HINT,
    )


def _unknown() -> LaunchError:
    return LaunchError(
        "state_unknown",
        "The launch's state does not match any login started with leadpath.",
        "The LMS must send the state leadpath gave it at login. " + RESTART_HINT,
    )


def _expired() -> LaunchError:
    return LaunchError("state_expired", "The login for this launch has expired.", RESTART_HINT)


class DatabaseLaunchStore:
    """Launch state in the `launch_state` table, written and read with prepared statements."""

    def __init__(self, db: Database):
        self.db = db
        t = self.table = LaunchState.__table__
        self._insert = Prepared(
            insert(t).values({name: bindparam(name) for name in _COLUMNS + ("expires_at",)})
        )
        self._peek = Prepared(
            select(*(t.c[name] for name in _COLUMNS[1:]), t.c.used_at, t.c.expires_at).where(
                t.c.state == bindparam("state")
            )
        )
        self._claim_stmt = Prepared(
            update(t)
            .where(t.c.state == bindparam("b_state"), t.c.used_at.is_(None))
            .where(t.c.expires_at > bindparam("b_now"))
            .values(used_at=bindparam("b_now"))
        )

    def put(self, login: PendingLogin, ttl: int) -> None:
        """Remember a login for `ttl` seconds (and now and then purge expired ones)."""
        now = utcnow()
        if random.random() < 0.02:
            with self.db.engine.begin() as conn:
                conn.execute(delete(self.table).where(self.table.c.expires_at < now))
        values = {name: getattr(login, name) for name in _COLUMNS}
        values["expires_at"] = now + timedelta(seconds=ttl)
        self._insert.execute(self.db.engine, values)

    def consume(self, state: str) -> PendingLogin:
        """Mark a login used and return it; refuse a used, expired or unknown state."""
        login = self.peek(state)
        with self.db.engine.begin() as conn:
            self._claim(conn, state)
        return login

    def peek(self, state: str) -> PendingLogin:
        """Return a login that is still usable, without using it up."""
        row = self._peek.first(self.db.engine, {"state": state})
        if row is None:
            raise _unknown()
        nonce, issuer, client_id, target_link_uri, used_at, expires_at = row
        if used_at is not None:
            raise _replayed()
        if expires_at <= utcnow():
            raise _expired()
        return PendingLogin(state, nonce, issuer, client_id, target_link_uri)

    def claim(self, session, state: str) -> None:
        """Use up a login inside the caller's transaction (the launch's), or refuse a replay."""
        self._claim(session, state)

    def _claim(self, executor, state: str) -> None:
        claimed = self._claim_stmt.execute(executor, {"b_state": state, "b_now": utcnow()})
        if claimed != 1:
            raise _replayed()


class RedisLaunchStore:
    """Launch state in Redis, shared by every app instance."""

    def __init__(self, url: str, timeout: float):
        import redis

        self.redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    @staticmethod
    def _key(state: str) -> str:
        return f"leadpath:login:{state}"

    def put(self, login: PendingLogin, ttl: int) -> None:
        """Remember a login for `ttl` seconds."""
        self.redis.set(self._key(login.state), json.dumps(asdict(login)), ex=ttl)

    def consume(self, state: str) -> PendingLogin:
        """Take a login exactly once (GETDEL is atomic); leave a tombstone to name replays."""
        raw = self.redis.getdel(self._key(state))
        used_key = f"leadpath:used:{state}"
        if raw is None:
            raise _replayed() if self.redis.exists(used_key) else _unknown()
        self.redis.set(used_key, "1", ex=3600)
        return PendingLogin(**json.loads(raw))

    def peek(self, state: str) -> PendingLogin:
        """Take the login now: Redis hands it out exactly once (GETDEL)."""
        return self.consume(state)

    def claim(self, session, state: str) -> None:
        """Nothing left to do: the login was taken when it was read."""


def init_app(app: Flask) -> None:
    """Choose the launch store: Redis when LEADPATH_REDIS_URL is set, else the database."""
    settings = app.config["LEADPATH"]
    if settings.redis_url:
        store = RedisLaunchStore(settings.redis_url, settings.http_timeout)
    else:
        store = DatabaseLaunchStore(app.extensions["leadpath.db"])
    app.extensions[EXTENSION_KEY] = store


def get_store() -> DatabaseLaunchStore | RedisLaunchStore:
    """Return the current app's launch store."""
    return current_app.extensions[EXTENSION_KEY]
