"""Pages of 360 feedback: the learner's hub, self rating, invitations and report; the rater form."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from sqlalchemy import select

from lti_tool.assess import feedback as fb
from lti_tool.assess import feedback_importance as importance
from lti_tool.assess import feedback_rater
from lti_tool.assess.feedback_mail import queue_mail
from lti_tool.assess.feedback_report import build_report
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import (
    COMPLETED,
    FEEDBACK_360,
    Attempt,
    FeedbackInvitation,
    FeedbackMail,
)
from lti_tool.assess.stage_forms import domains_in_scope
from lti_tool.db import get_db
from lti_tool.errors import UserFacingError
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR
from lti_tool.sessions import current_launch, launch_required, launch_url
from xapi.lrs.formats import whole_number

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
feedback_rater.register(bp)


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _settings():
    return current_app.config["LEADPATH"]


def _invitation_link(token: str) -> str:
    return _settings().url(f"/feedback/r/{token}")


def invitation_text(name: str, group: str, link: str) -> str:
    """Return the invitation's wording: anonymous for most raters, not for the exempt groups."""
    if group in _settings().feedback_exempt_groups:
        role = fb.RATER_ROLES[group]
        ask = (
            f"{name} has asked you, as {role}, for feedback on their leadership behaviours. "
            f"Your ratings are shown to them as those of {role}; your name and email address "
            "are not."
        )
    else:
        ask = (
            f"{name} has asked you for anonymous feedback on their leadership behaviours. "
            "They see a group's average only once enough people in it have answered."
        )
    days = fb.INVITATION_DAYS
    return f"{ask}\n\nPlease use this link; it works once and expires in {days} days:\n{link}\n"


def invitation_subject(name: str) -> str:
    """Return the invitation email's subject line."""
    return f"Would you give {name} some leadership feedback?"


def _hub(session, launch, created=None, errors=None, form=None):
    attempt = fb.current_360(session, launch)
    if attempt is not None:
        framework, domain_ids = framework_of(attempt.framework_version), attempt.domains
    else:
        version, domain_ids = fb.link_framework(session, launch)
        framework = framework_of(version)
    answered = {r.element_path for r in attempt.responses} if attempt else set()
    domains = [
        (d, all(e.path in answered for e in d.elements))
        for d in domains_in_scope(framework, domain_ids)
    ]
    invitations = []
    if attempt is not None:
        invitations = session.scalars(
            select(FeedbackInvitation)
            .where(FeedbackInvitation.attempt_id == attempt.id)
            .order_by(FeedbackInvitation.created_at, FeedbackInvitation.id)
        ).all()
    mails = {}
    if invitations:
        for invitation_id, status in session.execute(
            select(FeedbackMail.invitation_id, FeedbackMail.status).where(
                FeedbackMail.invitation_id.in_([i.id for i in invitations])
            )
        ):
            mails[invitation_id] = status
    answered = {g: 0 for g in fb.GROUP_TITLES}
    for invitation in invitations:
        answered[invitation.rater_group] += invitation.submitted_at is not None
    return render_template(
        "feedback/hub.html",
        attempt=attempt,
        framework=framework,
        domains=domains,
        completed=attempt is not None and attempt.status == COMPLETED,
        invitations=[(i, _invited_state(i, mails.get(i.id))) for i in invitations],
        answered=answered,
        release=fb.release_state(session, attempt) if attempt is not None else None,
        invited={g: sum(1 for i in invitations if i.rater_group == g) for g in fb.GROUP_TITLES},
        submitted=sum(answered.values()),
        groups=fb.GROUP_TITLES,
        days=fb.INVITATION_DAYS,
        created=created,
        errors=errors,
        form=form or {},
        saved=_saved_title(framework),
        min_raters=_settings().feedback_min_raters,
        exempt=[fb.GROUP_TITLES[g].lower() for g in _settings().feedback_exempt_groups],
    )


@bp.post("/attempts/<attempt_id>/release")
@launch_required(INSTRUCTOR, ADMINISTRATOR)
def release(attempt_id: str):
    """Release a learner's 360 report of this course, after the feedback conversation."""
    launch = current_launch()
    with get_db().transaction() as session:
        attempt = session.get(Attempt, attempt_id)
        if (
            attempt is None
            or attempt.kind != FEEDBACK_360
            or launch.course_id is None
            or attempt.course_id != launch.course_id
        ):
            raise UserFacingError(
                "There is no such 360 in this course.",
                hint="Open the learner from the course overview.",
                code="not_found",
                status=404,
                title="Not found",
            )
        fb.release_report(session, launch, attempt, request.form)
    return redirect(launch_url("course.feedback", attempt_id=attempt_id), 303)


def _invited_state(invitation, mail_status: str | None) -> str:
    """Return what the learner may know of an invitation: never whether it was answered."""
    if fb.withdrawn(invitation):
        return "withdrawn"
    return {"sent": "sent", "dead": "failed"}.get(mail_status or "", "sending")


@bp.get("")
@launch_required()
def start():
    """Show the learner's 360: self rating progress, invitations and the report link."""
    with get_db().transaction() as session:
        return _hub(session, current_launch())


@bp.route("/self/<domain_id>", methods=["GET", "POST"])
@launch_required()
def self_domain(domain_id: str):
    """Let the learner give their own stage for each element of one domain."""
    launch = current_launch()
    if request.method == "POST":
        with get_db().transaction() as session:
            missing = _unanswered(session, launch, domain_id, request.form)
            slips = _importance_slips(session, launch, domain_id, request.form)
            if missing or slips:
                return _self_page(session, launch, domain_id, request.form, missing, slips), 400
            attempt = fb.save_self_domain(session, launch, domain_id, request.form)
            framework = framework_of(attempt.framework_version)
            answered = {r.element_path for r in attempt.responses}
            following = [
                d.id
                for d in domains_in_scope(framework, attempt.domains)
                if not all(e.path in answered for e in d.elements)
            ]
        if following:
            target = launch_url("feedback.self_domain", domain_id=following[0], saved=domain_id)
            return redirect(target, 303)
        return redirect(launch_url("feedback.start", saved=domain_id), 303)
    with get_db().transaction() as session:
        return _self_page(session, launch, domain_id)


def _self_scope(session, launch):
    attempt = fb.current_360(session, launch)
    if attempt is not None:
        return attempt, framework_of(attempt.framework_version), attempt.domains
    version, domain_ids = fb.link_framework(session, launch)
    return None, framework_of(version), domain_ids


def _unanswered(session, launch, domain_id: str, form) -> list:
    """Return the elements of a self-rating page sent without a stage (a person's slip)."""
    _, framework, domain_ids = _self_scope(session, launch)
    if domain_id not in {d.id for d in domains_in_scope(framework, domain_ids)}:
        return []  # the service refuses a domain out of scope
    if form.get("domain") != domain_id:
        return []
    elements = framework.domain(domain_id).elements
    return [e for e in elements if not (form.get("stage-" + e.path) or "").strip()]


def _importance_slips(session, launch, domain_id: str, form) -> list[dict]:
    """Return error-summary items for the page's importance question (the HLM asks it)."""
    _, framework, domain_ids = _self_scope(session, launch)
    asked = [d for d in importance.asked(framework, domain_ids) if d.id == domain_id]
    if not asked or form.get("domain") != domain_id:
        return []
    return importance.error_items(asked, importance.problems(form, framework, asked), "your role")


def _errors_for(elements, message: str, slips=()) -> dict:
    return {
        "summary": [
            {"text": f"{e.title}: {message}", "href": "#stage-" + e.path.replace("/", "--")}
            for e in elements
        ]
        + list(slips),
        "fields": {e.path: message for e in elements} | {i["field"]: i["message"] for i in slips},
    }


def _self_page(session, launch, domain_id: str, form=None, missing=(), slips=()):
    attempt, framework, domain_ids = _self_scope(session, launch)
    scope = domains_in_scope(framework, domain_ids)
    position = next((n for n, d in enumerate(scope) if d.id == domain_id), None)
    if position is None:
        raise UserFacingError("This domain is not part of your 360.", code="not_found", status=404)
    values = {r.element_path: r.picked_stage for r in attempt.responses} if attempt else {}
    for element in scope[position].elements:
        raw = (form or {}).get("stage-" + element.path, "")
        if whole_number(raw, 2) is not None:
            values[element.path] = int(raw)
    asked = [d for d in importance.asked(framework, domain_ids) if d.id == domain_id]
    stored = attempt.importance if attempt else None
    return render_template(
        "feedback/self.html",
        framework=framework,
        domain=scope[position],
        position=position + 1,
        total=len(scope),
        values=values,
        revision=attempt.revision if attempt else 0,
        locked=attempt is not None and attempt.status == COMPLETED,
        errors=_errors_for(missing, "choose a stage", slips) if missing or slips else None,
        importance_asked=asked,
        importance=importance.shown_values(form, framework, asked, stored),
        saved=_saved_title(framework),
    )


def _saved_title(framework) -> str | None:
    """Return the title of the domain named by ?saved=, to say its ratings were saved."""
    wanted = request.args.get("saved")
    return next((d.title for d in framework.domains if d.id == wanted), None) if wanted else None


@bp.post("/invitations")
@launch_required()
def invite():
    """Create a one-time rater link and queue it in an email to the rater (never shown here)."""
    launch = current_launch()
    with get_db().transaction() as session:
        errors = _invitation_errors(request.form, fb.own_addresses(session, launch))
        if errors:
            return _hub(session, launch, errors=errors, form=request.form), 400
        invitation, token = fb.create_invitation(session, launch, request.form)
        name = (launch.platform_user.given_name or "").strip() or "A colleague"
        text = invitation_text(name, invitation.rater_group, _invitation_link(token))
        queue_mail(session, invitation.id, invitation.email, invitation_subject(name), text)
        return _hub(session, launch, created={"invitation": invitation}), 201


def _invitation_errors(form, own: set[str]) -> dict | None:
    """Return the invitation form's slips (group, email) to show beside the fields."""
    fields = {}
    email = (form.get("email") or "").strip()
    if (form.get("rater_group") or "") not in fb.GROUP_TITLES:
        fields["rater_group"] = "Choose the rater's group"
    if not email or fb.bad_email(email):
        fields["email"] = "Enter the rater's email address, like name@example.nhs.uk"
    elif email.lower() in own:
        fields["email"] = "Enter a colleague's email address, not your own"
    if not fields:
        return None
    ids = {"rater_group": "#fb-group", "email": "#fb-email"}
    return {"summary": [{"text": t, "href": ids[k]} for k, t in fields.items()], "fields": fields}


@bp.post("/invitations/<invitation_id>/revoke")
@launch_required()
def revoke(invitation_id: str):
    """Withdraw an invitation that has not been answered."""
    with get_db().transaction() as session:
        fb.revoke_invitation(session, current_launch(), invitation_id)
    return redirect(launch_url("feedback.start"), 303)


@bp.get("/report")
@launch_required()
def report():
    """Show the learner self against others per element, and the biggest gaps."""
    with get_db().transaction() as session:
        attempt = fb.current_360(session, current_launch())
        if attempt is None:
            raise UserFacingError(
                "You have not started a 360 yet.",
                hint="Rate yourself and invite raters first.",
                code="not_found",
                status=404,
                title="No 360 report yet",
            )
        release = fb.release_state(session, attempt)
        if release["facilitated"] and release["released_at"] is None:
            raise UserFacingError(
                "Your 360 report is released by your facilitator after your feedback "
                "conversation with them.",
                hint="Arrange the conversation with your facilitator; the report appears here "
                "once they release it.",
                code="report_not_released",
                status=403,
                title="Your report is not released yet",
            )
        return render_template(
            "feedback/report.html",
            attempt=attempt,
            groups=fb.GROUP_TITLES,
            heading="Your 360 report",
            self_label="You",
            self_in_text="you",
            back_url=launch_url("feedback.start"),
            back_text="Back to your 360 feedback",
            **build_report(session, attempt),
        )
