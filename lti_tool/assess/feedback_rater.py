"""The 360 rater's pages: a one-time form for someone with no LMS account, and the thanks."""

from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.assess import feedback as fb
from lti_tool.assess import feedback_importance as importance
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.stage_forms import domains_in_scope, element_paths
from lti_tool.db import get_db
from lti_tool.errors import UserFacingError
from lti_tool.lti.records import hash_token
from lti_tool.models import LaunchSession, utcnow
from lti_tool.sessions import TOKEN_HEADER, TOKEN_PARAM
from xapi.lrs.formats import whole_number


def _refuse_the_learner(session, attempt) -> None:
    """Refuse a rater link opened inside the rated learner's own launch session (403)."""
    carried = request.values.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if not carried:
        return
    launch = session.scalar(
        select(LaunchSession).where(LaunchSession.token_hash == hash_token(carried))
    )
    if launch is not None and launch.platform_user.learner_id == attempt.learner_id:
        raise UserFacingError(
            "This feedback link is for the colleague it was sent to, not for you.",
            hint="Your own ratings go in the self rating of your 360.",
            code="own_rater_link",
            status=403,
            title="You cannot rate yourself with a rater's link",
        )


def rate(token: str):
    """Let an invited rater, who has no LMS account, rate the learner once."""
    if request.method == "POST":
        return _submit_rating(token)
    with get_db().transaction() as session:
        invitation, attempt = fb.open_invitation(session, token, lock=True)
        _refuse_the_learner(session, attempt)
        if invitation.opened_at is None:
            invitation.opened_at = utcnow()
        return _rating_form(session, token, invitation, attempt)


def _rating_form(session, token, invitation, attempt, form=None, errors=None):
    framework = framework_of(attempt.framework_version)
    exempt = current_app.config["LEADPATH"].feedback_exempt_groups
    values = {}
    for key, raw in (form or {}).items():
        if key.startswith("stage-") and whole_number(raw, 2) is not None:
            values[key[len("stage-") :]] = int(raw)
    asked = importance.asked(framework, attempt.domains)
    return render_template(
        "feedback/rate.html",
        token=token,
        name=fb.learner_greeting(session, attempt),
        framework=framework,
        domains=domains_in_scope(framework, attempt.domains),
        rater_role=fb.RATER_ROLES[invitation.rater_group],
        anonymous=invitation.rater_group not in exempt,
        values=values,
        importance_asked={d.id for d in asked},
        importance=importance.shown_values(form, framework, asked, None),
        comment=(form or {}).get("comment", ""),
        errors=errors,
        hide_nav=True,
    )


def _submit_rating(token: str):
    form = request.form
    with get_db().transaction() as session:
        invitation, attempt = fb.open_invitation(session, token)
        _refuse_the_learner(session, attempt)
        errors = _slips(session, attempt, form)
        if errors:
            return _rating_form(session, token, invitation, attempt, form, errors), 400
    try:
        with get_db().transaction() as session:
            fb.submit_rating(session, token, request.form)
    except IntegrityError:
        raise fb.gone("submitted") from None  # a simultaneous second submit lost the race
    return render_template("feedback/thanks.html", hide_nav=True)


def _slips(session, attempt, form) -> dict | None:
    """Return the error summary for a form sent without a rating or importance answer."""
    framework = framework_of(attempt.framework_version)
    summary = []
    if not any(
        (v or "").strip() not in ("", "none") for k, v in form.items() if k.startswith("stage-")
    ):
        first = framework.element(element_paths(framework, attempt.domains)[0])
        summary.append(
            {
                "text": "Rate at least one element before sending your feedback",
                "href": "#stage-" + first.path.replace("/", "--"),
            }
        )
    asked = importance.asked(framework, attempt.domains)
    whose = f"{fb.learner_greeting(session, attempt)}'s role"
    summary += importance.error_items(asked, importance.problems(form, framework, asked), whose)
    fields = {i["field"]: i["message"] for i in summary if "field" in i}
    return {"summary": summary, "fields": fields} if summary else None


def register(bp) -> None:
    """Add the rater's form to the feedback blueprint (as `feedback.rate`)."""
    bp.add_url_rule("/r/<token>", "rate", rate, methods=["GET", "POST"])
