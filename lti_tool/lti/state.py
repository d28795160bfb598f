"""Server-side launch state: each OIDC login's state and nonce, consumed exactly once.

The database keeps it by default; with LEADPATH_REDIS_URL several app instances share Redis.
A consumed state stays as a tombstone until it expires so a replay is named as such.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select, update

from lti_tool.db import Database
from lti_tool.lti.errors import LaunchError
from lti_tool.models import LaunchState, utcnow

EXTENSION_KEY = "leadpath.launch_state"
RESTART_HINT = "Start the activity again from the course page; each launch link works once."


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
    """Launch state in the `launch_state` table."""

    def __init__(self, db: Database):
        self.db = db

    def put(self, login: PendingLogin, ttl: int) -> None:
        """Remember a login for `ttl` seconds (and now and then purge expired ones)."""
        now = utcnow()
        with self.db.transaction() as session:
            if random.random() < 0.02:
                session.execute(delete(LaunchState).where(LaunchState.expires_at < now))
            session.add(LaunchState(**asdict(login), expires_at=now + timedelta(seconds=ttl)))

    def consume(self, state: str) -> PendingLogin:
        """Mark a login used and return it; refuse a used, expired or unknown state."""
        now = utcnow()
        with self.db.transaction() as session:
            claimed = session.execute(
                update(LaunchState)
                .where(LaunchState.state == state, LaunchState.used_at.is_(None))
                .where(LaunchState.expires_at > now)
                .values(used_at=now)
            ).rowcount
            row = session.scalar(select(LaunchState).where(LaunchState.state == state))
        if row is None:
            raise _unknown()
        if not claimed:
            raise _replayed() if row.used_at is not None else _expired()
        return PendingLogin(row.state, row.nonce, row.issuer, row.client_id, row.target_link_uri)


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
