"""Pages of supervisor validation: the course's list, the review form, the learner's view."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.assess import supervision as va
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt, Validation
from lti_tool.assess.stage_forms import invalid
from lti_tool.db import get_db
from lti_tool.errors import UserFacingError
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR, MENTOR
from lti_tool.models import PlatformUser
from lti_tool.paging import page_number
from lti_tool.sessions import current_launch, launch_required, launch_url

bp = Blueprint("validation", __name__, url_prefix="/validation")
SUPERVISORS = (MENTOR, INSTRUCTOR, ADMINISTRATOR)
CHECK = "check"


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@launch_required(*SUPERVISORS)
def index():
    """List the completed self-assessments awaiting sign-off, then a page of those signed off."""
    launch = current_launch()
    with get_db().transaction() as session:
        count = va.signed_off_count(session, launch)
        number, pages = page_number(count, va.SIGNED_OFF_PAGE_SIZE)
        pending, done = va.course_attempts(session, launch, page=number)
    signed = request.args.get("signed")

    def page_url(n: int) -> str:
        return launch_url("validation.index", page=n) + "#va-done-heading"

    return render_template(
        "supervision/index.html",
        course=launch.course,
        pending=pending,
        done=done,
        done_count=count,
        first_done=(number - 1) * va.SIGNED_OFF_PAGE_SIZE + 1,
        newer_url=page_url(number - 1) if number > 1 else None,
        older_url=page_url(number + 1) if number < pages else None,
        signed=next((d.learner for d in done if d.attempt_id == signed), None),
    )


def _name(user: PlatformUser) -> str:
    return user.display_name if user.display_name != "there" else "Learner " + user.sub


@bp.route("/attempts/<attempt_id>", methods=["GET", "POST"])
@launch_required(*SUPERVISORS)
def review(attempt_id: str):
    """Show a learner's self-assessment for review; store the review or sign it off."""
    launch = current_launch()
    if request.method == "POST":
        # "check" stores the review as a draft and asks for confirmation before signing off.
        action = request.form.get("action")
        form = request.form.copy()
        if action == CHECK:
            form["action"] = "save"
        try:
            with get_db().transaction() as session:
                validation = va.submit_review(session, launch, attempt_id, form)
                signed = validation.signed_off_at is not None
        except IntegrityError:
            raise invalid(
                "This review was saved by another request at the same time; reload it.",
                status=409,
            ) from None
        if signed:
            return redirect(launch_url("validation.index", signed=attempt_id), 303)
        if action == CHECK:
            return redirect(launch_url("validation.confirm", attempt_id=attempt_id), 303)
        return redirect(launch_url("validation.review", attempt_id=attempt_id, saved=1), 303)
    with get_db().transaction() as session:
        attempt = va.reviewable(session, launch, attempt_id)
        framework = framework_of(attempt.framework_version)
        summary = va.validation_for(session, attempt_id)
        return render_template(
            "supervision/review.html",
            attempt=attempt,
            learner_name=_name(session.get(PlatformUser, attempt.platform_user_id)),
            framework=framework,
            rows=va.review_rows(session, attempt),
            summary=summary,
            draft_comment=_draft_comment(session, attempt_id),
            saved=request.args.get("saved"),
        )


@bp.get("/attempts/<attempt_id>/sign-off")
@launch_required(*SUPERVISORS)
def confirm(attempt_id: str):
    """Show the stored review in full and ask the supervisor to confirm the sign-off."""
    launch = current_launch()
    with get_db().transaction() as session:
        attempt = va.reviewable(session, launch, attempt_id)
        if va.validation_for(session, attempt_id) is not None:
            return redirect(launch_url("validation.review", attempt_id=attempt_id), 303)
        framework = framework_of(attempt.framework_version)
        rows = []
        for row in va.review_rows(session, attempt):
            if row["stage"] is None:
                continue
            rows.append(
                {
                    "path": row["element"].path,
                    "title": row["element"].title,
                    "domain_id": row["domain"].id,
                    "domain_title": row["domain"].title,
                    "learner": row["learner_stage"],
                    "confirmed": row["stage"],
                    "adjusted": row["stage"] != row["learner_stage"],
                    "comment": row["comment"],
                }
            )
        return render_template(
            "supervision/confirm.html",
            attempt=attempt,
            learner_name=_name(session.get(PlatformUser, attempt.platform_user_id)),
            framework=framework,
            rows=rows,
            comment=_draft_comment(session, attempt_id),
        )


def _draft_comment(session, attempt_id: str) -> str | None:
    return session.scalar(select(Validation.comment).where(Validation.attempt_id == attempt_id))


@bp.get("/attempts/<attempt_id>/result")
@launch_required()
def view(attempt_id: str):
    """Show the learner their supervisor's confirmed stages and comments."""
    launch = current_launch()
    with get_db().transaction() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.learner_id != launch.platform_user.learner_id:
            raise UserFacingError(
                "There is no such self-assessment of yours.", code="not_found", status=404
            )
        return render_template(
            "supervision/view.html",
            attempt=attempt,
            framework=framework_of(attempt.framework_version),
            summary=va.validation_for(session, attempt_id),
            own=True,
            learner_name=None,
            back_url=launch_url("assess.results", attempt_id=attempt_id),
            back_text="Back to your results",
        )
