"""LTI Submission Review: the gradebook opens one learner's attempt in leadpath.

A platform sends `LtiSubmissionReviewRequest` when an instructor (or the learner) opens a
submission from a gradebook column that offers review (leadpath's columns do: see
`grades.queue.SUBMISSION_REVIEW`). The launch names the learner in `for_user`; this page shows
that learner's self-assessments at the launch's resource link — result, domain profile and
supervisor validation — to an instructor or administrator of the course, or to the learner.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import COMPLETED, SELF, Attempt
from lti_tool.assess.results import domain_rows
from lti_tool.assess.supervision import validation_for
from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti import claims as c
from lti_tool.lti.roles import is_staff
from lti_tool.models import PlatformUser
from lti_tool.sessions import current_launch, launch_required

bp = Blueprint("submission_review", __name__)


def _not_a_review() -> UserFacingError:
    return UserFacingError(
        "This page shows a submission opened from the LMS's gradebook.",
        hint="Open the learner's submission from the gradebook column again.",
        code="not_submission_review",
        status=400,
    )


def _refused() -> UserFacingError:
    return UserFacingError(
        "Only the course's instructors and administrators, and the learner, may see this "
        "learner's results.",
        hint="Ask the course's instructor if you need to see them.",
        code="review_not_allowed",
        status=403,
        title="Not available with your role",
    )


@bp.get("/lti/submission-review")
@launch_required()
def show():
    """Show the learner's results and validation at this activity, to whoever may see them."""
    launch = current_launch()
    claims = launch.claims or {}
    for_user = claims.get(c.FOR_USER) or {}
    if claims.get(c.MESSAGE_TYPE) != c.SUBMISSION_REVIEW_REQUEST or not for_user.get("user_id"):
        raise _not_a_review()
    learner_sub = str(for_user["user_id"])
    if not is_staff(launch.roles) and learner_sub != claims.get("sub"):
        raise _refused()
    session = get_session()
    learner = session.scalar(
        select(PlatformUser).where(
            PlatformUser.issuer == claims.get("iss"), PlatformUser.sub == learner_sub
        )
    )
    attempts = []
    if learner is not None and launch.resource_link_id is not None:
        attempts = session.scalars(
            select(Attempt)
            .where(
                Attempt.learner_id == learner.learner_id,
                Attempt.resource_link_id == launch.resource_link_id,
                Attempt.kind == SELF,
            )
            .order_by(Attempt.started_at.desc(), Attempt.id)
        ).all()
    completed = [a for a in attempts if a.status == COMPLETED]
    latest = completed[0] if completed else None
    framework = framework_of(latest.framework_version) if latest else None
    name = for_user.get("name") or " ".join(
        p for p in (for_user.get("given_name"), for_user.get("family_name")) if p
    )
    return (
        render_template(
            "lti/submission_review.html",
            learner_name=name or (learner.display_name if learner else None) or "This learner",
            link=launch.resource_link,
            course=launch.course,
            attempts=attempts,
            latest=latest,
            framework=framework,
            rows=domain_rows(framework, latest.result) if latest and latest.result else [],
            validation=validation_for(session, latest.id) if latest else None,
            own=learner_sub == claims.get("sub"),
        ),
        200,
        {"Cache-Control": "no-store"},
    )
