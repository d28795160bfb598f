"""What a launch records: the platform user, the course, the resource link, roles, a session."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import Database
from lti_tool.lti import claims as c
from lti_tool.lti.roles import map_roles
from lti_tool.lti.validation import ValidatedLaunch
from lti_tool.models import (
    Course,
    LaunchSession,
    Learner,
    Membership,
    PlatformUser,
    ResourceLink,
    utcnow,
)

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
    "iss",
    "aud",
    "sub",
)


def hash_token(token: str) -> str:
    """Return the stored form of a launch session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _upsert_user(session: Session, claims: dict) -> PlatformUser:
    user = session.scalar(
        select(PlatformUser).where(
            PlatformUser.issuer == claims["iss"], PlatformUser.sub == claims["sub"]
        )
    )
    if user is None:
        learner = Learner()
        session.add(learner)
        session.flush()
        user = PlatformUser(issuer=claims["iss"], sub=claims["sub"], learner_id=learner.id)
        session.add(user)
    for attr in ("name", "given_name", "family_name", "email"):
        if claims.get(attr):
            setattr(user, attr, claims[attr])
    user.last_launch_at = utcnow()
    return user


def _upsert_course(session: Session, claims: dict) -> Course | None:
    context = claims.get(c.CONTEXT) or {}
    if not context.get("id"):
        return None
    key = (claims["iss"], claims[c.DEPLOYMENT_ID], str(context["id"]))
    course = session.scalar(
        select(Course).where(
            Course.issuer == key[0], Course.deployment_id == key[1], Course.context_id == key[2]
        )
    )
    if course is None:
        course = Course(issuer=key[0], deployment_id=key[1], context_id=key[2])
        session.add(course)
    course.title = context.get("title") or course.title
    course.label = context.get("label") or course.label
    course.types = context.get("type") or course.types
    return course


def _upsert_link(session: Session, claims: dict, course: Course | None) -> ResourceLink | None:
    link_claim = claims.get(c.RESOURCE_LINK) or {}
    if not link_claim.get("id"):
        return None
    key = (claims["iss"], claims[c.DEPLOYMENT_ID], str(link_claim["id"]))
    link = session.scalar(
        select(ResourceLink).where(
            ResourceLink.issuer == key[0],
            ResourceLink.deployment_id == key[1],
            ResourceLink.link_id == key[2],
        )
    )
    if link is None:
        link = ResourceLink(issuer=key[0], deployment_id=key[1], link_id=key[2])
        session.add(link)
    link.course = course
    link.title = link_claim.get("title") or link.title
    link.description = link_claim.get("description") or link.description
    link.custom = claims.get(c.CUSTOM) or None
    return link


def _upsert_membership(
    session: Session,
    user: PlatformUser,
    course: Course | None,
    lis_roles: list[str],
    roles: list[str],
) -> None:
    session.flush()
    membership = session.scalar(
        select(Membership).where(
            Membership.platform_user_id == user.id,
            Membership.course_id.is_(None) if course is None else Membership.course_id == course.id,
        )
    )
    if membership is None:
        membership = Membership(platform_user_id=user.id, course_id=course.id if course else None)
        session.add(membership)
    membership.lis_roles = lis_roles
    membership.roles = roles
    membership.updated_at = utcnow()


def record_launch(
    db: Database, launch: ValidatedLaunch, session_hours: int, on_recorded=None
) -> tuple[str, LaunchSession]:
    """Upsert everything the launch tells us and open a launch session, in one transaction.

    `on_recorded(session, launch_session)` runs inside the same transaction (for statements).
    Returns the session token (given to the browser) and the stored LaunchSession.
    """
    claims = launch.claims
    lis_roles = [r for r in claims.get(c.ROLES, []) if isinstance(r, str)]
    roles = map_roles(lis_roles)
    token = secrets.token_urlsafe(32)
    for attempt in range(3):
        try:
            with db.transaction() as session:
                user = _upsert_user(session, claims)
                course = _upsert_course(session, claims)
                link = _upsert_link(session, claims, course)
                _upsert_membership(session, user, course, lis_roles, roles)
                kept = {k: claims[k] for k in _KEPT_CLAIMS if k in claims}
                launch_session = LaunchSession(
                    token_hash=hash_token(token),
                    platform_user=user,
                    course=course,
                    resource_link=link,
                    roles=roles,
                    claims=kept,
                    expires_at=utcnow() + timedelta(hours=session_hours),
                )
                session.add(launch_session)
                session.flush()
                if on_recorded:
                    on_recorded(session, launch_session)
            return token, launch_session
        except IntegrityError:
            # Two first launches of the same user or course raced; the retry finds the rows.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
