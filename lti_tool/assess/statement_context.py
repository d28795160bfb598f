"""Statement context for an attempt, built from its rows when its learner has no launch here.

A 360 rater or a supervisor acts without the learner's launch session, yet their statements
are about the learner's attempt: these helpers describe that attempt and queue statements
under the learner, in the caller's transaction.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from framework import iri
from framework.model import Framework
from lti_tool.assess.models import Attempt
from lti_tool.lti import claims as c
from lti_tool.models import Course, LaunchSession, PlatformUser, ResourceLink
from xapi import statements as xs
from xapi.outbox import enqueue


def element_event(base: str, framework: Framework, attempt: Attempt, path: str) -> dict:
    """Return the element fields shared by `answered` and `rated` events."""
    element = framework.element(path)
    domain = framework.domain(element.domain_id)
    return {
        "attempt_id": attempt.id,
        "element_iri": iri.element_iri(base, framework.id, path),
        "element_title": element.title,
        "domain_iri": iri.domain_iri(base, framework.id, domain.id),
        "domain_title": domain.title,
    }


def attempt_context(session: Session, attempt: Attempt) -> xs.LaunchContext:
    """Describe the attempt's launch for statements made outside any launch session."""
    settings = current_app.config["LEADPATH"]
    user = session.get(PlatformUser, attempt.platform_user_id)
    link = session.get(ResourceLink, attempt.resource_link_id) if attempt.resource_link_id else None
    course = session.get(Course, attempt.course_id) if attempt.course_id else None
    last = session.scalar(
        select(LaunchSession)
        .where(LaunchSession.platform_user_id == user.id)
        .order_by(LaunchSession.created_at.desc())
        .limit(1)
    )
    platform = (last.claims.get(c.TOOL_PLATFORM) if last else None) or {}
    version = attempt.framework_version
    return xs.LaunchContext(
        base_url=settings.base_url,
        learner_id=attempt.learner_id,
        issuer=user.issuer,
        deployment_id=(link or course).deployment_id if (link or course) else "",
        resource_link_id=link.link_id if link else "none",
        resource_link_title=link.title if link else None,
        context_id=course.context_id if course else None,
        context_title=course.title if course else None,
        platform_product=platform.get("product_family_code") or platform.get("name"),
        career_phase=attempt.career_phase,
        framework_iri=iri.framework_iri(settings.base_url, version.framework_id),
        framework_version=version.version,
        framework_title=version.title,
        include_pii=settings.xapi_include_pii,
        learner_name=user.display_name if user.name or user.given_name else None,
    )


def queue_for_attempt(session: Session, attempt: Attempt, statements: list[dict]) -> list[str]:
    """Queue statements about an attempt's learner in the caller's transaction."""
    user = session.get(PlatformUser, attempt.platform_user_id)
    course = session.get(Course, attempt.course_id) if attempt.course_id else None
    return enqueue(
        session,
        statements,
        learner_key=attempt.learner_id,
        platform_issuer=user.issuer,
        course_id=course.context_id if course else None,
    )
