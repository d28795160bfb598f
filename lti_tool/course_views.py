"""A course's learners seen by its instructors: figures, CSV, roster refresh, each learner.

Instructors and administrators of the course see what the learner sees: a completed
self-assessment's results, and the 360 report under the same anonymity rules (group averages
only once enough raters answered; comments only with enough raters). Supervisor validation has
its own pages (`/validation`).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template

from lti_tool.assess.feedback import GROUP_TITLES
from lti_tool.assess.feedback_report import build_report
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import COMPLETED, FEEDBACK_360, SELF, Attempt
from lti_tool.assess.results import domain_rows
from lti_tool.assess.supervision import validation_for
from lti_tool.assess.views import results_values
from lti_tool.course_roster import RosterRow
from lti_tool.courses.overview import CSV_HEADER, CourseOverview, course_overview
from lti_tool.courses.roster import LAUNCHES, RosterState, roster_for
from lti_tool.db import get_db, get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR
from lti_tool.models import PlatformUser
from lti_tool.sessions import current_launch, launch_required, launch_url
from lti_tool.spreadsheet import csv_text

bp = Blueprint("course", __name__, url_prefix="/course")
STAFF = (INSTRUCTOR, ADMINISTRATOR)


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _course_attempt(attempt_id: str, kind: str) -> Attempt:
    """Return an attempt of the launch's own course, of the kind asked for; 404 otherwise."""
    launch = current_launch()
    attempt = get_session().get(Attempt, attempt_id)
    if (
        attempt is None
        or attempt.kind != kind
        or launch.course_id is None
        or attempt.course_id != launch.course_id
    ):
        raise UserFacingError(
            "There is no such assessment in this course.",
            hint="Open the learner from the course overview.",
            code="not_found",
            status=404,
            title="Not found",
        )
    return attempt


def _person(attempt: Attempt) -> tuple[str, str]:
    """Return the learner's full name and the short name the 360 report calls them by."""
    row = RosterRow(get_session().get(PlatformUser, attempt.platform_user_id))
    return row.name, (row.user.given_name or row.name)


@bp.get("/attempts/<attempt_id>/results")
@launch_required(*STAFF)
def results(attempt_id: str):
    """Show a learner's completed self-assessment as they see it."""
    attempt = _course_attempt(attempt_id, SELF)
    if attempt.status != COMPLETED:
        raise UserFacingError(
            "This self-assessment is not completed yet, so it has no results.",
            hint="Results appear once the learner completes it.",
            code="not_completed",
            status=404,
            title="No results yet",
        )
    session = get_session()
    values = results_values(
        session,
        attempt,
        own=False,
        history_link=lambda other: launch_url("course.results", attempt_id=other),
        course_id=attempt.course_id,
    )
    return render_template(
        "course_results.html", validation=validation_for(session, attempt.id), **values
    )


@bp.get("/attempts/<attempt_id>/feedback")
@launch_required(*STAFF)
def feedback(attempt_id: str):
    """Show a learner's 360 report: the group figures the learner sees, nothing per rater."""
    attempt = _course_attempt(attempt_id, FEEDBACK_360)
    name, short = _person(attempt)
    return render_template(
        "feedback/report.html",
        attempt=attempt,
        groups=GROUP_TITLES,
        heading=f"360 report of {name}",
        self_label=f"{short} (self)",
        self_in_text=f"{short} (self)",
        back_url=launch_url("pages.course"),
        back_text="Back to the course overview",
        **build_report(get_session(), attempt),
    )


def course_figures(launch, *, force: bool = False) -> tuple[RosterState, CourseOverview]:
    """Return the launch course's roster state and its overview (roster refreshed if stale)."""
    settings = current_app.config["LEADPATH"]
    state = roster_for(
        get_db().sessions,
        launch.course,
        launch.claims or {},
        settings.roster_max_age_minutes,
        force=force,
    )
    members = None if state.source == LAUNCHES else state.members
    return state, course_overview(get_session(), launch.course.id, members)


def _course_or_refuse():
    launch = current_launch()
    if launch.course is None:
        raise UserFacingError(
            "This launch came without a course, so there is no course overview.",
            hint="Open leadpath from an activity inside the course.",
            code="no_course",
            status=404,
            title="No course",
        )
    return launch


@bp.post("/roster/refresh")
@launch_required(*STAFF)
def refresh_roster():
    """Fetch the course's roster from the platform now, then show the overview again."""
    launch = _course_or_refuse()
    state, _ = course_figures(launch, force=True)
    outcome = "failed" if state.problem else "yes"
    return redirect(launch_url("pages.course", refreshed=outcome) + "#learners-heading", 303)


@bp.get("/export.csv")
@launch_required(*STAFF)
def export_csv():
    """Download the course's learners with their status, as the overview shows them."""
    launch = _course_or_refuse()
    _, overview = course_figures(launch)
    return Response(
        csv_text(CSV_HEADER, overview.csv_rows()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="course-learners.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/learners/<int:user_id>")
@launch_required(*STAFF)
def learner(user_id: int):
    """Show one learner of the course: status, stages against expectation, every attempt."""
    launch = _course_or_refuse()
    _, overview = course_figures(launch)
    found = next((s for s in overview.learners if s.row.user and s.row.user.id == user_id), None)
    if found is None:
        raise UserFacingError(
            "There is no such learner in this course.",
            hint="Open the learner from the course overview.",
            code="not_found",
            status=404,
            title="Not found",
        )
    journey = "journey.index" in current_app.view_functions
    return render_template(
        "course_learner.html",
        learner=found,
        course=launch.course,
        journey_url=launch_url("journey.index", learner=found.row.user.learner_id)
        if journey
        else None,
        result_rows=_result_rows(found),
    )


def _result_rows(found) -> list[dict]:
    """Return the latest completed self-assessment's domains, in framework order."""
    done = found.row.self_completed
    if done is None:
        return []
    return domain_rows(framework_of(done.framework_version), done.result or {"domains": {}})
