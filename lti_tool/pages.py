"""The pages a launch lands on: the learner's home and the instructor's course page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from lti_tool.db import get_session
from lti_tool.lti import claims as c
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR, LEARNER
from lti_tool.models import Membership, ResourceLink
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
    titles = {
        "self": "Leadership self-assessment",
        "360": "360 feedback",
        "validation": "Supervisor validation",
    }
    return {
        "kind": kind,
        "title": titles.get(kind, "Leadership self-assessment"),
        "framework": custom.get("framework", "lf-2011"),
        "career_phase": custom.get("career_phase"),
    }


@bp.get("/home")
@launch_required()
def home():
    """Greet the learner and list their assessments."""
    launch = current_launch()
    link = launch.resource_link
    offers = [assessment_offer(link.custom if link else None)]
    return render_template(
        "home.html",
        launch=launch,
        user=launch.platform_user,
        course=launch.course,
        link=link,
        offers=offers,
        platform=(launch.claims.get(c.TOOL_PLATFORM) or {}),
    )


@bp.get("/course")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def course():
    """Show the instructor the course: its leadpath activities and how many learners use them."""
    launch = current_launch()
    session = get_session()
    links, learners = [], 0
    if launch.course is not None:
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
        offer_for=assessment_offer,
    )
