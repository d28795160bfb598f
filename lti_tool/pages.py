"""The pages a launch lands on: the learner's home and the instructor's course page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from lti_tool.assess.models import SELF, Attempt
from lti_tool.assess.offer import TITLES, read_offer
from lti_tool.assess.results import completed_history
from lti_tool.assess.service import attempts_at_link
from lti_tool.db import get_session
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR, LEARNER, MENTOR
from lti_tool.models import Membership, PlatformUser, ResourceLink
from lti_tool.sessions import current_launch, launch_required, launch_url

bp = Blueprint("pages", __name__)


@bp.after_app_request
def _security_headers(response):
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.app_context_processor
def _template_helpers():
    return {"launch_url": launch_url}


def assessment_offer(custom: dict | None) -> dict:
    """Describe what the resource link delivers, from its LTI custom parameters."""
    custom = custom or {}
    kind = custom.get("assessment", "self")
    return {
        "kind": kind,
        "title": TITLES.get(kind, TITLES["self"]),
        "framework": custom.get("framework", "lf-2011"),
        "career_phase": custom.get("career_phase"),
    }


@bp.get("/home")
@launch_required()
def home():
    """Greet the learner and list their assessments."""
    launch = current_launch()
    link = launch.resource_link
    session = get_session()
    offer = read_offer(session, link.custom if link else None)
    attempts = attempts_at_link(session, launch) if offer.kind == SELF else []
    history = completed_history(session, launch.platform_user.learner_id, offer.framework_id)
    return render_template(
        "home.html",
        launch=launch,
        user=launch.platform_user,
        course=launch.course,
        link=link,
        offer=offer,
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.status == "in_progress"), None),
        history=[a for a in history if a.resource_link_id != launch.resource_link_id],
        entry_url=_entry_url(offer.kind),
        saved=request.args.get("saved"),
        validation_url=launch_url("validation.index") if MENTOR in launch.roles else None,
    )


def _entry_url(kind: str) -> str | None:
    """Return the link to the 360 or validation pages, when those pages exist."""
    endpoint = {"360": "feedback.start", "validation": "validation.index"}.get(kind)
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    try:
        return launch_url(endpoint)
    except BuildError:
        return None


def _course_attempts(session, course_id: int) -> list[tuple[Attempt, PlatformUser, ResourceLink]]:
    """Return every self-assessment attempt in a course, with its learner and activity."""
    return list(
        session.execute(
            select(Attempt, PlatformUser, ResourceLink)
            .join(PlatformUser, Attempt.platform_user_id == PlatformUser.id)
            .outerjoin(ResourceLink, Attempt.resource_link_id == ResourceLink.id)
            .where(Attempt.course_id == course_id, Attempt.kind == SELF)
            .order_by(
                PlatformUser.family_name, PlatformUser.name, PlatformUser.id, Attempt.started_at
            )
        ).all()
    )


@bp.get("/course")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def course():
    """Show the instructor the course: its leadpath activities and how many learners use them."""
    launch = current_launch()
    session = get_session()
    links, learners, attempts = [], 0, []
    if launch.course is not None:
        attempts = _course_attempts(session, launch.course.id)
        links = session.scalars(
            select(ResourceLink)
            .where(ResourceLink.course_id == launch.course.id)
            .order_by(ResourceLink.id)
        ).all()
        memberships = session.scalars(
            select(Membership).where(Membership.course_id == launch.course.id)
        ).all()
        learners = sum(1 for m in memberships if LEARNER in m.roles)
    else:
        learners = (
            session.scalar(
                select(func.count()).select_from(Membership).where(Membership.course_id.is_(None))
            )
            or 0
        )
    return render_template(
        "course.html",
        launch=launch,
        user=launch.platform_user,
        course=launch.course,
        links=links,
        learners=learners,
        attempts=attempts,
        offer_for=assessment_offer,
    )
