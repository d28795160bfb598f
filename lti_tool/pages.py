"""The pages a launch lands on: the learner's home and the instructor's course page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select
from werkzeug.routing import BuildError

from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.assess.models import SELF
from lti_tool.assess.offer import read_offer
from lti_tool.assess.results import completed_history
from lti_tool.assess.service import attempts_at_link
from lti_tool.course_views import course_figures
from lti_tool.courses.overview import STATUS_TEXT
from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR, MENTOR
from lti_tool.models import ResourceLink
from lti_tool.paging import page_number
from lti_tool.sessions import current_launch, launch_required, launch_url

bp = Blueprint("pages", __name__)
COURSE_PAGE_SIZE = 50  # learners per page of the course view; counts, heatmap and CSV cover all


@bp.app_context_processor
def _template_helpers():
    return {"launch_url": launch_url}


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
    version = current_version(session, offer.framework_id)
    return render_template(
        "home.html",
        launch=launch,
        user=launch.platform_user,
        course=launch.course,
        link=link,
        offer=offer,
        framework=framework_of(version) if version is not None else None,
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


@bp.get("/course")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def course():
    """Show the course: its activities and every learner with links to their assessments."""
    launch = current_launch()
    session = get_session()
    links, overview, roster = [], None, None
    if launch.course is not None:
        links = session.scalars(
            select(ResourceLink)
            .where(ResourceLink.course_id == launch.course.id)
            .order_by(ResourceLink.id)
        ).all()
        roster, overview = course_figures(launch)
    return render_template(
        "course.html",
        launch=launch,
        user=launch.platform_user,
        course=launch.course,
        links=[(link, _offer_or_none(session, link)) for link in links],
        overview=overview,
        roster=roster,
        refreshed=request.args.get("refreshed"),
        statuses=STATUS_TEXT,
        **_learners_page(overview.learners if overview else []),
    )


def _learners_page(learners: list) -> dict:
    """The learners the page lists: those of the chosen status, one page of them."""
    status = request.args.get("status")
    status = status if status in STATUS_TEXT else None
    chosen = [s for s in learners if status is None or s.status == status]
    number, pages = page_number(len(chosen), COURSE_PAGE_SIZE)
    kept = {"status": status} if status else {}
    start = (number - 1) * COURSE_PAGE_SIZE

    def page_url(n: int) -> str:
        return launch_url("pages.course", page=n, **kept) + "#learners-heading"

    return {
        "status": status,
        "chosen": chosen,
        "shown": chosen[start : start + COURSE_PAGE_SIZE],
        "first_shown": start + 1,
        "previous_url": page_url(number - 1) if number > 1 else None,
        "next_url": page_url(number + 1) if number < pages else None,
    }


def _offer_or_none(session, link: ResourceLink):
    """Return what an activity delivers, or None when its custom parameters are wrong."""
    try:
        return read_offer(session, link.custom)
    except UserFacingError:
        return None
