"""A course's roster: the platform's member list, kept and refreshed when it grows old.

The roster is fetched from the platform's NRPS service when the course view asks for it and
the stored copy is older than `LEADPATH_ROSTER_MAX_AGE_MINUTES` (or an instructor asks for a
refresh). A failed fetch keeps the last good copy and says so; with no copy at all, or a
platform that offers no NRPS, the view lists the learners who launched leadpath instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.courses.models import CourseRoster, RosterMember
from lti_tool.courses.nrps import LEARNER_ROLE, RosterUnavailable, fetch_members, with_role
from lti_tool.grades.token import TokenClient, TokenTarget
from lti_tool.lti import claims as c
from lti_tool.lti.roles import LEARNER
from lti_tool.models import Course, Platform, utcnow

EXTENSION_KEY = "leadpath.nrps"
RETRY_SECONDS = 60  # a failed fetch is not tried again sooner, however often the page is opened

NRPS, LAUNCHES = "nrps", "launches"


@dataclass
class RosterState:
    """The members to show (None: use launched learners), where they came from, and any note."""

    source: str
    members: list[RosterMember] | None = None
    fetched_at: datetime | None = None
    problem: str | None = None


class RosterClient:
    """The HTTP session and access tokens roster fetches use (one per app)."""

    def __init__(self, keys, timeout: float):
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "leadpath-roster"
        self.timeout = (min(timeout, 3.05), timeout)
        self.tokens = TokenClient(self.http, keys, self.timeout)


def init_app(app: Flask) -> None:
    """Attach the roster client; it signs token requests with the tool's live keys."""
    from lti_tool.signing_keys import EXTENSION_KEY as KEYS

    settings = app.config["LEADPATH"]
    app.extensions[EXTENSION_KEY] = RosterClient(
        lambda: app.extensions[KEYS], settings.http_timeout
    )


def memberships_url(claims: dict) -> str | None:
    """Return the context memberships URL a launch carried, if any."""
    service = claims.get(c.NRPS)
    url = service.get("context_memberships_url") if isinstance(service, dict) else None
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def stored(session: Session, course_id: int) -> tuple[CourseRoster | None, list[RosterMember]]:
    """Return the stored roster of a course and its members."""
    members = session.scalars(
        select(RosterMember).where(RosterMember.course_id == course_id).order_by(RosterMember.id)
    ).all()
    return session.get(CourseRoster, course_id), list(members)


def roster_for(
    sessions, course: Course, claims: dict, max_age_minutes: int, *, force: bool = False
) -> RosterState:
    """Return the course's roster, fetched again when stale (or forced) and the launch allows."""
    url = memberships_url(claims)
    with sessions() as session:
        record, members = stored(session, course.id)
    if url is None and record is None:
        return RosterState(LAUNCHES, problem="no_nrps")
    now = utcnow()
    fresh = (
        record is not None
        and record.fetched_at is not None
        and (now - record.fetched_at < timedelta(minutes=max_age_minutes))
    )
    resting = (
        record is not None
        and record.error is not None
        and now - record.attempted_at < timedelta(seconds=RETRY_SECONDS)
    )
    if url is not None and (force or not (fresh or resting)):
        problem = _refresh(sessions, course, claims, url)
        with sessions() as session:
            record, members = stored(session, course.id)
        if problem is not None and record.fetched_at is None:
            return RosterState(LAUNCHES, problem=problem)
    if record is None or record.fetched_at is None:
        return RosterState(LAUNCHES, problem=(record.error if record else None) or "no_nrps")
    return RosterState(NRPS, members, record.fetched_at, record.error)


def _refresh(sessions, course: Course, claims: dict, url: str) -> str | None:
    """Fetch the roster and store it in one transaction; return why it failed, if it did."""
    client: RosterClient = current_app.extensions[EXTENSION_KEY]
    with sessions() as session:
        platform = session.scalar(
            select(Platform).where(
                Platform.issuer == claims.get("iss"),
                Platform.client_id == _audience(claims.get("aud")),
            )
        )
        target = platform and TokenTarget(
            platform.id, platform.client_id, platform.auth_token_url, platform.token_audience
        )
    problem = None
    try:
        if target is None:
            raise RosterUnavailable("the platform is no longer registered")
        members, _ = fetch_members(
            client.http, client.tokens, target, with_role(url, LEARNER_ROLE), client.timeout
        )
    except RosterUnavailable as exc:
        members, problem = None, str(exc)
    with sessions.begin() as session:
        record = session.get(CourseRoster, course.id) or CourseRoster(course_id=course.id)
        record.attempted_at = utcnow()
        record.error = problem
        if members is not None:
            session.execute(delete(RosterMember).where(RosterMember.course_id == course.id))
            learners = [m for m in members if LEARNER in m.roles]
            session.add_all(
                RosterMember(
                    course_id=course.id,
                    user_id=m.user_id,
                    name=m.name,
                    given_name=m.given_name,
                    family_name=m.family_name,
                    email=m.email,
                    roles=list(m.roles),
                )
                for m in learners
            )
            record.fetched_at = record.attempted_at
            record.members = len(learners)
        session.add(record)
    return problem


def _audience(aud) -> str | None:
    return aud[0] if isinstance(aud, list) and aud else aud if isinstance(aud, str) else None
