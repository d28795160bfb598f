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
    new_uuid,
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


def _find(session: Session, model, **key):
    return session.scalar(select(model).filter_by(**key))


def _user(session: Session, claims: dict, found: PlatformUser | None) -> PlatformUser:
    user = found
    if user is None:
        learner = Learner(id=new_uuid())
        user = PlatformUser(issuer=claims["iss"], sub=claims["sub"], learner_id=learner.id)
        session.add_all([learner, user])
    for attr in ("name", "given_name", "family_name", "email"):
        if claims.get(attr):
            setattr(user, attr, claims[attr])
    user.last_launch_at = utcnow()
    return user


def _course(session: Session, claims: dict, key: dict | None, found: Course | None):
    if key is None:
        return None
    course = found or Course(**key)
    if found is None:
        session.add(course)
    context = claims[c.CONTEXT]
    course.title = context.get("title") or course.title
    course.label = context.get("label") or course.label
    course.types = context.get("type") or course.types
    return course


def _link(session: Session, claims: dict, key: dict | None, found, course):
    if key is None:
        return None
    link = found or ResourceLink(**key)
    if found is None:
        session.add(link)
    link_claim = claims[c.RESOURCE_LINK]
    link.course = course
    link.title = link_claim.get("title") or link.title
    link.description = link_claim.get("description") or link.description
    link.custom = claims.get(c.CUSTOM) or None
    return link


def _keys(claims: dict) -> tuple[dict | None, dict | None]:
    scope = {"issuer": claims["iss"], "deployment_id": claims[c.DEPLOYMENT_ID]}
    context_id = (claims.get(c.CONTEXT) or {}).get("id")
    link_id = (claims.get(c.RESOURCE_LINK) or {}).get("id")
    return (
        {**scope, "context_id": str(context_id)} if context_id else None,
        {**scope, "link_id": str(link_id)} if link_id else None,
    )


def record_launch(
    db: Database, launch: ValidatedLaunch, session_hours: int, on_recorded=None
) -> tuple[str, LaunchSession]:
    """Upsert everything the launch tells us and open a launch session, in one transaction.

    All reads come first, so under SQLite the write lock is held only while writing.
    `on_recorded(session, launch_session)` runs inside the same transaction (for statements).
    Returns the session token (given to the browser) and the stored LaunchSession.
    """
    claims = launch.claims
    lis_roles = [r for r in claims.get(c.ROLES, []) if isinstance(r, str)]
    roles = map_roles(lis_roles)
    token = secrets.token_urlsafe(32)
    course_key, link_key = _keys(claims)
    for attempt in range(3):
        try:
            with db.transaction() as session:
                with session.no_autoflush:
                    found_user = _find(
                        session, PlatformUser, issuer=claims["iss"], sub=claims["sub"]
                    )
                    found_course = _find(session, Course, **course_key) if course_key else None
                    found_link = _find(session, ResourceLink, **link_key) if link_key else None
                    membership = None
                    if found_user is not None and (found_course or not course_key):
                        membership = _find(
                            session,
                            Membership,
                            platform_user_id=found_user.id,
                            course_id=found_course.id if found_course else None,
                        )
                    user = _user(session, claims, found_user)
                    course = _course(session, claims, course_key, found_course)
                    link = _link(session, claims, link_key, found_link, course)
                    if membership is None:
                        membership = Membership(platform_user=user, course=course)
                        session.add(membership)
                    membership.lis_roles, membership.roles = lis_roles, roles
                    membership.updated_at = utcnow()
                    launch_session = LaunchSession(
                        token_hash=hash_token(token),
                        platform_user=user,
                        course=course,
                        resource_link=link,
                        roles=roles,
                        claims={k: claims[k] for k in _KEPT_CLAIMS if k in claims},
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
