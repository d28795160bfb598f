"""What a launch records: the platform user, the course, the resource link, roles, a session.

This is the hot path of every launch, so it speaks SQLAlchemy Core and remembers, per process
and for a few minutes, the rows it last wrote: a returning learner's launch then costs two
inserts (the launch session and its statement) instead of a dozen queries. Rows are re-read
when the cache is cold, and rewritten whenever the platform sends something new.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import Database
from lti_tool.lti import claims as c
from lti_tool.lti.checks import CheckedLaunch
from lti_tool.lti.roles import map_roles
from lti_tool.models import (
    Course,
    LaunchSession,
    Learner,
    Membership,
    PlatformUser,
    ResourceLink,
    new_uuid,
    utcnow,
)
from lti_tool.prepared import Prepared, typed_insert

# Claims kept with a launch session for later requests (services, presentation, custom).
_KEPT_CLAIMS = (
    c.MESSAGE_TYPE,
    c.DEPLOYMENT_ID,
    c.CUSTOM,
    c.TOOL_PLATFORM,
    c.LAUNCH_PRESENTATION,
    c.AGS_ENDPOINT,
    c.NRPS,
    c.DEEP_LINKING_SETTINGS,
    c.ROLE_SCOPE_MENTOR,
    c.CONTEXT,
    c.RESOURCE_LINK,
    c.FOR_USER,
    "iss",
    "aud",
    "sub",
)


def hash_token(token: str) -> str:
    """Return the stored form of a launch session token."""
    return hashlib.sha256(token.encode()).hexdigest()


SEEN_SECONDS = 300.0
PURGE_CHANCE = 0.01  # about one launch in a hundred also removes expired launch sessions
_SESSION_COLUMNS = (
    "token_hash",
    "platform_user_id",
    "course_id",
    "resource_link_id",
    "roles",
    "claims",
    "created_at",
    "expires_at",
    "client_hash",
)
_INSERT_LAUNCH_SESSION = Prepared(typed_insert(LaunchSession.__table__, _SESSION_COLUMNS))
_users = PlatformUser.__table__
_PROFILE = ("name", "given_name", "family_name", "email")
_SELECT_USER = Prepared(
    select(_users.c.id, _users.c.learner_id, *(_users.c[a] for a in _PROFILE)).where(
        _users.c.issuer == bindparam("issuer"), _users.c.sub == bindparam("sub")
    )
)


class UserRecord(NamedTuple):
    """The launch's platform user as stored (the attributes of PlatformUser a launch needs)."""

    id: int
    learner_id: str
    issuer: str
    sub: str
    name: str | None
    given_name: str | None
    family_name: str | None
    email: str | None

    display_name = PlatformUser.display_name


class CourseRecord(NamedTuple):
    """The launch's course as stored."""

    id: int
    issuer: str
    deployment_id: str
    context_id: str
    title: str | None
    label: str | None
    types: list | None


class LinkRecord(NamedTuple):
    """The launch's resource link as stored."""

    id: int
    issuer: str
    deployment_id: str
    link_id: str
    course_id: int | None
    title: str | None
    description: str | None
    custom: dict | None


@dataclass(slots=True)
class LaunchRecord:
    """A launch session just written, with the attributes of LaunchSession, for launch hooks.

    Plain values, not ORM objects: a hook that needs a stored row loads it from its session
    (and may put it in `platform_user`, which later hooks then see).
    """

    token_hash: str
    platform_user_id: int
    course_id: int | None
    resource_link_id: int | None
    roles: list
    claims: dict
    created_at: datetime
    expires_at: datetime
    client_hash: str | None
    platform_user: UserRecord | PlatformUser
    course: CourseRecord | None
    resource_link: LinkRecord | None


class _Seen:
    """Per-process memory of rows written recently: key -> (expiry, row id, written values)."""

    def __init__(self):
        self._rows: dict[tuple, tuple[float, int, tuple]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[int, tuple] | None:
        found = self._rows.get(key)
        if found and found[0] > time.monotonic():
            return found[1], found[2]
        return None

    def put(self, key: tuple, row_id: int, values: tuple) -> None:
        with self._lock:
            if len(self._rows) > 50_000:
                self._rows.clear()
            self._rows[key] = (time.monotonic() + SEEN_SECONDS, row_id, values)

    def forget(self, prefix: str) -> None:
        with self._lock:
            self._rows = {k: v for k, v in self._rows.items() if k[0] != prefix}


_seen = _Seen()


def _upsert(session: Session, table, key: dict, values: dict, cache_key: tuple) -> int:
    """Insert or update one row identified by `key`; skip the write when nothing changed."""
    wanted = tuple(values.values())
    cached = _seen.get(cache_key)
    if cached and cached[1] == wanted:
        return cached[0]
    row_id = cached[0] if cached else None
    if row_id is None:
        found = session.execute(
            select(table.c.id, *(table.c[name] for name in values)).filter_by(**key)
        ).first()
        if found is not None:
            row_id = found[0]
            if tuple(found[1:]) == wanted:
                _seen.put(cache_key, row_id, wanted)
                return row_id
    if row_id is None:
        row_id = session.execute(
            insert(table).values(**key, **values).returning(table.c.id)
        ).scalar_one()
    else:
        session.execute(update(table).where(table.c.id == row_id).values(**values))
    _seen.put(cache_key, row_id, wanted)
    return row_id


def _user(session: Session, claims: dict, db_url: str) -> UserRecord:
    """Find or create the platform user; read every time, since a link may move its learner."""
    table = PlatformUser.__table__
    key = {"issuer": claims["iss"], "sub": claims["sub"]}
    profile = {a: claims.get(a) or None for a in _PROFILE}
    found = _SELECT_USER.first(session, key)
    if found is None:
        learner_id = new_uuid()
        session.execute(insert(Learner.__table__).values(id=learner_id))
        row_id = session.execute(
            insert(table).values(**key, **profile, learner_id=learner_id).returning(table.c.id)
        ).scalar_one()
        return UserRecord(row_id, learner_id, key["issuer"], key["sub"], *profile.values())
    row_id, learner_id = found[0], found[1]
    stored = dict(zip(profile, found[2:], strict=True))
    # Keep what the platform sent before when it sends nothing now (names and email are optional).
    merged = {a: profile[a] or stored[a] for a in profile}
    cache_key = ("user", row_id, db_url)
    if merged != stored or _seen.get(cache_key) is None:
        session.execute(
            update(table).where(table.c.id == row_id).values(**merged, last_launch_at=utcnow())
        )
        _seen.put(cache_key, row_id, ())
    return UserRecord(row_id, learner_id, key["issuer"], key["sub"], *merged.values())


def purge_expired_sessions(session: Session) -> int:
    """Delete launch sessions that have expired; return how many went."""
    table = LaunchSession.__table__
    return session.execute(delete(table).where(table.c.expires_at < utcnow())).rowcount


def record_launch(
    db: Database,
    launch: CheckedLaunch,
    lifetime: tuple[timedelta, timedelta],
    on_recorded=None,
    claim=None,
    client_hash: str | None = None,
) -> tuple[str, LaunchRecord]:
    """Upsert everything the launch tells us and open a launch session, in one transaction.

    `lifetime` is (at most, idle): the session ends after the first, or sooner when unused for
    the second; `client_hash` names the browser it belongs to (see `lti_tool.sessions`).

    `claim(session)` uses up the login in that transaction (before the launch session is
    written); `on_recorded(session, launch_record)` runs inside it too (for statements).
    Returns the session token and the LaunchRecord of what was written.
    """
    claims = launch.claims
    lis_roles = [r for r in claims.get(c.ROLES, []) if isinstance(r, str)]
    roles = map_roles(lis_roles)
    token = secrets.token_urlsafe(32)
    scope = {"issuer": claims["iss"], "deployment_id": claims[c.DEPLOYMENT_ID]}
    context = claims.get(c.CONTEXT) or {}
    link_claim = claims.get(c.RESOURCE_LINK) or {}
    for attempt in range(3):
        try:
            with db.transaction() as session:
                user = _user(session, claims, db.url)
                course = link = None
                if context.get("id"):
                    key = {**scope, "context_id": str(context["id"])}
                    values = {
                        "title": context.get("title"),
                        "label": context.get("label"),
                        "types": context.get("type"),
                    }
                    course_id = _upsert(
                        session, Course.__table__, key, values, ("course", *key.values(), db.url)
                    )
                    course = CourseRecord(course_id, *key.values(), *values.values())
                if link_claim.get("id"):
                    key = {**scope, "link_id": str(link_claim["id"])}
                    values = {
                        "course_id": course.id if course else None,
                        "title": link_claim.get("title"),
                        "description": link_claim.get("description"),
                        "custom": claims.get(c.CUSTOM) or None,
                    }
                    link_id = _upsert(
                        session,
                        ResourceLink.__table__,
                        key,
                        values,
                        ("link", *key.values(), db.url),
                    )
                    link = LinkRecord(link_id, *key.values(), *values.values())
                course_id = course.id if course else None
                _upsert(
                    session,
                    Membership.__table__,
                    {"platform_user_id": user.id, "course_id": course_id},
                    {"roles": roles, "lis_roles": lis_roles},
                    ("membership", user.id, course_id, db.url),
                )
                if claim:
                    claim(session)
                if random.random() < PURGE_CHANCE:
                    purge_expired_sessions(session)
                values = {
                    "token_hash": hash_token(token),
                    "platform_user_id": user.id,
                    "course_id": course_id,
                    "resource_link_id": link.id if link else None,
                    "roles": roles,
                    "claims": {k: claims[k] for k in _KEPT_CLAIMS if k in claims},
                    "created_at": utcnow(),
                    "expires_at": utcnow() + min(lifetime),
                    "client_hash": client_hash,
                }
                _INSERT_LAUNCH_SESSION.execute(session, values)
                launch_session = LaunchRecord(
                    **values, platform_user=user, course=course, resource_link=link
                )
                if on_recorded:
                    on_recorded(session, launch_session)
            return token, launch_session
        except IntegrityError:
            # Two first launches of the same user or course raced; the retry finds the rows.
            for prefix in ("user", "course", "link", "membership"):
                _seen.forget(prefix)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
