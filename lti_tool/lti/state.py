"""Server-side launch state: each OIDC login's state and nonce, used up exactly once.

Both stores keep one contract (`LaunchStore`): a login is saved at /lti/login (`put`), read
any number of times while the launch is checked (`peek`, which uses nothing up, so a launch
refused by a check leaves its login usable), and used up once (`claim`) inside the transaction
that records the launch: of two launches racing for one login exactly one claims it, and a
transaction that rolls back gives the login back. A used login stays as a tombstone for a while
so a replay is named as such; an expired one is named as expired until it is purged.

The database keeps it by default; with LEADPATH_REDIS_URL several app instances share Redis.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import bindparam, delete, event, select, update
from sqlalchemy.orm import Session

from lti_tool.db import Database
from lti_tool.lti.errors import LaunchError
from lti_tool.models import LaunchState, utcnow
from lti_tool.prepared import Prepared, typed_insert

EXTENSION_KEY = "leadpath.launch_state"
RESTART_HINT = "Start the activity again from the course page; each launch link works once."


_COLUMNS = ("state", "nonce", "issuer", "client_id", "target_link_uri", "storage_target")
# How long Redis keeps a used login (to name a replay) and an expired one (to name the expiry).
TOMBSTONE_SECONDS = 3600


@dataclass(frozen=True)
class PendingLogin:
    """What the tool remembers between the OIDC login and the launch."""

    state: str
    nonce: str
    issuer: str
    client_id: str
    target_link_uri: str
    # The platform frame that keeps state and nonce (`lti_storage_target`), for a login that
    # used LTI Platform Storage; None for a login bound to this browser by a cookie.
    storage_target: str | None = None


class LaunchStore(Protocol):
    """Where a login waits for its launch: saved once, read freely, used up once."""

    def put(self, login: PendingLogin, ttl: int) -> None:
        """Save a login for `ttl` seconds."""

    def peek(self, state: str) -> PendingLogin:
        """Return the login if it is still usable, without using it up.

        Raises LaunchError `launch_replayed` (used), `state_expired` or `state_unknown`.
        """

    def claim(self, session: Session, state: str) -> None:
        """Use up the login inside the session's transaction; given back if that rolls back.

        Of several claims of one login exactly one succeeds; the others raise LaunchError
        `launch_replayed` (or `state_expired` / `state_unknown` when it is no longer usable).
        """


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
        self._insert = Prepared(typed_insert(t, _COLUMNS + ("expires_at",)))
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

    def peek(self, state: str) -> PendingLogin:
        """Return a login that is still usable, without using it up."""
        row = self._peek.first(self.db.engine, {"state": state})
        if row is None:
            raise _unknown()
        *values, used_at, expires_at = row
        if used_at is not None:
            raise _replayed()
        if expires_at <= utcnow():
            raise _expired()
        return PendingLogin(state, *values)

    def claim(self, session: Session, state: str) -> None:
        """Use up a login inside the caller's transaction (the launch's), or refuse it.

        The UPDATE only matches an unused, unexpired row, so of two racing claims the second
        finds nothing (PostgreSQL's row lock or SQLite's write lock holds it until the first
        commits); a rollback of the transaction leaves the row unused.
        """
        self._claim(session, state)

    def _claim(self, executor, state: str) -> None:
        claimed = self._claim_stmt.execute(executor, {"b_state": state, "b_now": utcnow()})
        if claimed != 1:
            self.peek(state)  # names an expired or unknown login
            raise _replayed()


# Both scripts run atomically in Redis: no other client sees a login half taken or half returned.
_CLAIM = """
local raw = redis.call('GET', KEYS[1])
if not raw then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'used'} end
  return {'unknown'}
end
local expires = cjson.decode(raw)['expires_at']
if expires and tonumber(expires) <= tonumber(ARGV[1]) then return {'expired'} end
local left = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
return {'claimed', raw, left}
"""
_GIVE_BACK = """
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
"""


class RedisLaunchStore:
    """Launch state in Redis, shared by every app instance.

    A login is kept TOMBSTONE_SECONDS past its expiry so the expiry can be named; claiming it
    swaps it for a tombstone in one script, and a rollback of the claiming transaction swaps it
    back. Redis is not part of that transaction: a process that dies between its claim and its
    commit leaves the login used up, which refuses a launch rather than recording one twice.
    """

    def __init__(self, url: str, timeout: float):
        import redis

        self.redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._claim_script = self.redis.register_script(_CLAIM)
        self._give_back_script = self.redis.register_script(_GIVE_BACK)

    @staticmethod
    def _keys(state: str) -> list[str]:
        return [f"leadpath:login:{state}", f"leadpath:used:{state}"]

    def put(self, login: PendingLogin, ttl: int) -> None:
        """Remember a login for `ttl` seconds."""
        value = {**asdict(login), "expires_at": time.time() + ttl}
        self.redis.set(self._keys(login.state)[0], json.dumps(value), ex=ttl + TOMBSTONE_SECONDS)

    def peek(self, state: str) -> PendingLogin:
        """Return a login that is still usable, without using it up."""
        login_key, used_key = self._keys(state)
        raw = self.redis.get(login_key)
        if raw is None:
            raise _replayed() if self.redis.exists(used_key) else _unknown()
        return self._usable(raw)

    def claim(self, session: Session, state: str) -> None:
        """Use up a login now, and give it back if the session's transaction rolls back."""
        answer = self._claim_script(keys=self._keys(state), args=[time.time(), TOMBSTONE_SECONDS])
        outcome = answer[0].decode()
        if outcome != "claimed":
            raise {"used": _replayed, "expired": _expired, "unknown": _unknown}[outcome]()
        raw, left_ms = answer[1], max(int(answer[2]), 1000)
        # The transaction the claim belongs to, and those enclosing it: a rollback of any of
        # them undoes the claim, as it would undo the database store's UPDATE.
        chain, transaction = [], session.get_nested_transaction() or session.get_transaction()
        while transaction is not None:
            chain.append(transaction)
            transaction = transaction.parent
        given_back = []

        def give_back(_session, rolled_back) -> None:
            if not given_back and any(t is rolled_back for t in chain):
                given_back.append(True)
                self._give_back_script(keys=self._keys(state), args=[raw, left_ms])

        event.listen(session, "after_soft_rollback", give_back)

    @staticmethod
    def _usable(raw: bytes) -> PendingLogin:
        value = json.loads(raw)
        expires_at = value.pop("expires_at", None)
        if expires_at is not None and expires_at <= time.time():
            raise _expired()
        return PendingLogin(**value)


def init_app(app: Flask) -> None:
    """Choose the launch store: Redis when LEADPATH_REDIS_URL is set, else the database."""
    settings = app.config["LEADPATH"]
    if settings.redis_url:
        store = RedisLaunchStore(settings.redis_url, settings.http_timeout)
    else:
        store = DatabaseLaunchStore(app.extensions["leadpath.db"])
    app.extensions[EXTENSION_KEY] = store


def get_store() -> LaunchStore:
    """Return the current app's launch store."""
    return current_app.extensions[EXTENSION_KEY]
