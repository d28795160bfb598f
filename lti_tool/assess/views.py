"""Self-assessment pages: one domain per page, the finish step, results and the print view."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from framework.model import LEADPATH
from framework.phases import expected_profile
from lti_tool.assess import service
from lti_tool.assess.answers import (
    EVIDENCE,
    NOT_APPLICABLE_FIELD,
    RATING,
    REFLECTION,
    STAGE,
    UNSURE,
)
from lti_tool.assess.charts import domain_profile_svg
from lti_tool.assess.evidence import evidence_for
from lti_tool.assess.models import COMPLETED, SELF
from lti_tool.assess.offer import phase_title, read_offer
from lti_tool.assess.results import (
    completed_history,
    domain_rows,
    grade_text,
    history_rows,
    institution_overrides,
)
from lti_tool.assess.supervision import validation_for
from lti_tool.db import get_db, get_session
from lti_tool.errors import UserFacingError
from lti_tool.sessions import current_launch, launch_required, launch_url

bp = Blueprint("assess", __name__, url_prefix="/assess")


@bp.errorhandler(service.AttemptClosed)
def _closed(exc: service.AttemptClosed):
    return render_template("assess/closed.html", error=exc), exc.status


@bp.app_template_global()
def field_names() -> dict:
    """Return the names of the answer fields for templates."""
    return {
        "rating": RATING,
        "stage": STAGE,
        "reflection": REFLECTION,
        "evidence": EVIDENCE,
        "unsure": UNSURE,
        "not_applicable": NOT_APPLICABLE_FIELD,
    }


@bp.app_template_global("element_ref")
def element_ref(path: str) -> str:
    """Return an element path as an HTML id fragment: "domain--element"."""
    return path.replace("/", "--")


@bp.app_template_global("grade_text")
def _grade_text(result: dict | None, score: float | None) -> str:
    """Return the gradebook score in words for templates."""
    return grade_text(result, score)


@bp.app_template_global("phase_title")
def _phase_title(phase: str | None) -> str | None:
    """Return a career phase's title for templates."""
    return phase_title(phase)


def _offer():
    launch = current_launch()
    link = launch.resource_link
    return read_offer(get_session(), link.custom if link else None)


def _attempt(attempt_id: str):
    return service.own_attempt(get_session(), current_launch(), attempt_id)


def _go_to_domain(attempt_id: str, domain_id: str | None, saved: str | None = None):
    extra = {"saved": saved} if saved else {}
    if domain_id is None:
        return redirect(launch_url("assess.finish", attempt_id=attempt_id, **extra), code=303)
    return redirect(
        launch_url("assess.domain", attempt_id=attempt_id, domain_id=domain_id, **extra),
        code=303,
    )


def _saved_domain() -> str | None:
    """Return the title of the domain just saved (named by ?saved=), to say it was saved."""
    attempt_id = request.view_args.get("attempt_id")
    wanted = request.args.get("saved")
    if not wanted or not attempt_id:
        return None
    framework = service.framework_for(_attempt(attempt_id))
    return next((d.title for d in framework.domains if d.id == wanted), None)


@bp.post("/start")
@launch_required()
def start():
    """Start a self-assessment at this activity, or carry on with the open one."""
    offer = _offer()
    if offer.kind != "self":
        raise UserFacingError(
            "This activity delivers another kind of assessment, not a self-assessment.",
            hint="Go back to your leadpath home page and use the link shown there.",
            code="not_self_assessment",
        )
    with get_db().transaction() as session:
        attempt = service.start_or_continue(session, current_launch(), offer)
        attempt_id, domain_id = attempt.id, attempt.current_domain
    return _go_to_domain(attempt_id, domain_id)


@bp.get("/<attempt_id>")
@launch_required()
def show(attempt_id: str):
    """Send the learner to where the attempt stands: its current domain, or its results."""
    attempt = _attempt(attempt_id)
    if attempt.status == COMPLETED:
        return redirect(launch_url("assess.results", attempt_id=attempt.id), code=303)
    return _go_to_domain(attempt.id, attempt.current_domain)


def _reopen(attempt_id: str) -> None:
    with get_db().transaction() as session:
        attempt = service.own_attempt(session, current_launch(), attempt_id)
        service.reopen(session, current_launch(), attempt)


@bp.get("/<attempt_id>/domains/<domain_id>")
@launch_required()
def domain(attempt_id: str, domain_id: str):
    """Show one domain's elements with their indicators, stage choice and reflection."""
    attempt = _attempt(attempt_id)
    if attempt.status == COMPLETED:
        return redirect(launch_url("assess.results", attempt_id=attempt.id), code=303)
    domains = service.domain_ids(attempt)
    if domain_id not in domains:
        raise UserFacingError(
            f"The domain {domain_id!r} is not part of this assessment.",
            hint="Go back to the assessment and use its own pages.",
            code="unknown_domain",
            status=404,
            title="Domain not found",
        )
    if attempt.resource_link_id == current_launch().resource_link_id:
        _reopen(attempt.id)
        get_session().refresh(attempt)
    framework = service.framework_for(attempt)
    return render_template(
        "assess/domain.html",
        attempt=attempt,
        framework=framework,
        domain=framework.domain(domain_id),
        leadpath_here=_leadpath_defined(framework, framework.domain(domain_id)),
        position=domains.index(domain_id) + 1,
        total=len(domains),
        responses={r.element_path: r for r in attempt.responses},
        phase_expected=_expected(attempt, framework),
        saved=_saved_domain(),
        previous_url=(
            launch_url("assess.domain", attempt_id=attempt.id, domain_id=domains[index - 1])
            if (index := domains.index(domain_id))
            else None
        ),
    )


def _leadpath_defined(framework, domain) -> bool:
    """True when leadpath defines the stages or indicators shown on a domain's page."""
    return any(s.origin == LEADPATH for s in framework.stages) or any(
        i.origin == LEADPATH for e in domain.elements for i in e.indicators
    )


def _expected(attempt, framework) -> dict:
    if not attempt.career_phase:
        return {}
    overrides = institution_overrides(get_session(), attempt)
    return expected_profile(attempt.career_phase, overrides, framework=framework)


@bp.post("/<attempt_id>/domains/<domain_id>")
@launch_required()
def save(attempt_id: str, domain_id: str):
    """Save one domain page, then move back, on, or out as the button asked."""
    action = request.form.get("action", service.NEXT)
    with get_db().transaction() as session:
        attempt = service.own_attempt(session, current_launch(), attempt_id)
        target = service.save_domain(
            session, current_launch(), attempt, domain_id, request.form, action
        )
    if action == service.LATER:
        return redirect(launch_url("pages.home", saved=attempt_id), code=303)
    return _go_to_domain(attempt_id, target, saved=domain_id)


def _finish_page(attempt, *, tried: bool = False):
    framework = service.framework_for(attempt)
    missing = service.missing_elements(attempt)
    answered = {r.element_path for r in attempt.responses} - {e.path for e in missing}
    domains = [framework.domain(d) for d in service.domain_ids(attempt)]
    return render_template(
        "assess/finish.html",
        saved=None if tried else _saved_domain(),
        attempt=attempt,
        framework=framework,
        missing=missing,
        tried=tried,
        domains=[(d, sum(1 for e in d.elements if e.path in answered)) for d in domains],
    )


@bp.get("/<attempt_id>/finish")
@launch_required()
def finish(attempt_id: str):
    """Show each domain's answers so far, what is unanswered, and the button that completes."""
    attempt = _attempt(attempt_id)
    if attempt.status == COMPLETED:
        return redirect(launch_url("assess.results", attempt_id=attempt.id), code=303)
    return _finish_page(attempt)


@bp.post("/<attempt_id>/complete")
@launch_required()
def complete(attempt_id: str):
    """Score and complete the attempt, then show the results.

    While an element is unanswered the finish page comes back (422) with an error summary
    that links to each element needing an answer.
    """
    try:
        with get_db().transaction() as session:
            attempt = service.own_attempt(session, current_launch(), attempt_id)
            service.complete(session, current_launch(), attempt, request.form.get("revision"))
    except service.AttemptIncomplete:
        return _finish_page(_attempt(attempt_id), tried=True), 422
    return redirect(launch_url("assess.results", attempt_id=attempt_id), code=303)


def results_values(session, attempt, *, own: bool, history_link, course_id=None) -> dict:
    """Return what the results body shows about a completed attempt.

    Instructors (``course_id`` given) see the history of that course only: attempts made at
    other institutions belong to the learner, not to this course.
    """
    from lti_tool.models import PlatformUser

    framework = service.framework_for(attempt)
    rows = domain_rows(framework, attempt.result)
    history = completed_history(session, attempt.learner_id, framework.id)
    if course_id is not None:
        history = [a for a in history if a.course_id == course_id]
    learner = session.get(PlatformUser, attempt.platform_user_id)
    named = learner.name or learner.given_name or learner.family_name
    return {
        "attempt": attempt,
        "framework": framework,
        "result": attempt.result,
        "rows": rows,
        "chart": domain_profile_svg(rows, framework.max_stage),
        "evidence": evidence_for(framework, attempt.result),
        "domains": [framework.domain(d) for d in service.domain_ids(attempt)],
        "history": history_rows(framework, history),
        "responses": list(attempt.responses),
        "learner_name": learner.display_name if named else "Learner " + learner.sub,
        "own": own,
        "history_link": history_link,
    }


def _results_page(attempt_id: str, template: str, *, links: bool):
    attempt = _attempt(attempt_id)
    if attempt.kind != SELF:
        raise UserFacingError(
            "This is not a self-assessment, so it has no self-assessment results.",
            hint="Open your 360 feedback report from the activity that holds it.",
            code="not_self_assessment",
            status=404,
            title="No results here",
        )
    if attempt.status != COMPLETED:
        return _go_to_domain(attempt.id, attempt.current_domain)
    session = get_session()
    link = (lambda other: launch_url("assess.results", attempt_id=other)) if links else None
    return render_template(
        template,
        validation=validation_for(session, attempt.id),
        **results_values(session, attempt, own=True, history_link=link),
    )


@bp.get("/<attempt_id>/results")
@launch_required()
def results(attempt_id: str):
    """Show the results: domain profile chart and table, element stages, comparison, history."""
    return _results_page(attempt_id, "assess/results.html", links=True)


@bp.get("/<attempt_id>/print")
@launch_required()
def print_view(attempt_id: str):
    """Show the results laid out for printing or saving as PDF."""
    return _results_page(attempt_id, "assess/print.html", links=False)
