"""The life cycle of a self-assessment attempt: start, save, suspend, resume, complete.

Every function takes the SQLAlchemy session of one transaction and the launch session; the
state change and the xAPI statements it causes are written together in that transaction.
While an attempt is in progress, ``Attempt.result["progress"]`` remembers which launch
session last worked on it and whether it was suspended, so a reopening can be told apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from framework.grades import in_scope_domains
from framework.model import Framework
from framework.scoring import score_assessment
from lti_tool.assess import results
from lti_tool.assess.answers import ElementAnswer, read_domain_answers
from lti_tool.assess.attempt_recording import AttemptStatements
from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.assess.models import COMPLETED, IN_PROGRESS, SELF, Attempt, ElementResponse
from lti_tool.assess.offer import Offer, grade_mode_of
from lti_tool.design_system import plural
from lti_tool.errors import UserFacingError
from lti_tool.grades import queue_grade
from lti_tool.models import LaunchSession, ResourceLink, utcnow
from xapi.lrs.formats import whole_number

PREVIOUS, NEXT, LATER = "previous", "next", "later"
ACTIONS = (PREVIOUS, NEXT, LATER)
FINISH = None  # navigation target after the last domain: the finish page


class AttemptClosed(UserFacingError):
    """A completed attempt was submitted to; it can only be read."""

    status = 409
    code = "attempt_completed"
    title = "This assessment is already completed"


class AttemptIncomplete(UserFacingError):
    """Completion was asked for while some elements have neither ratings nor a picked stage."""

    status = 422
    code = "attempt_incomplete"
    title = "Some elements are not answered yet"


def framework_for(attempt: Attempt) -> Framework:
    """Return the framework version the attempt was taken under."""
    return framework_of(attempt.framework_version)


def domain_ids(attempt: Attempt) -> list[str]:
    """Return the attempt's domains in framework order."""
    framework = framework_for(attempt)
    chosen = attempt.domains or [d.id for d in framework.domains]
    return [d.id for d in framework.domains if d.id in chosen]


def attempts_at_link(session: Session, launch: LaunchSession) -> list[Attempt]:
    """Return the learner's self-assessments at the launch's resource link, newest first."""
    return list(
        session.scalars(
            select(Attempt)
            .where(
                Attempt.learner_id == launch.platform_user.learner_id,
                Attempt.resource_link_id == launch.resource_link_id,
                Attempt.kind == SELF,
            )
            .order_by(Attempt.started_at.desc(), Attempt.id)
        )
    )


def own_attempt(session: Session, launch: LaunchSession, attempt_id: str) -> Attempt:
    """Return one of the learner's own attempts; anything else is not found (404)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.learner_id != launch.platform_user.learner_id:
        raise UserFacingError(
            "There is no assessment of yours at this address.",
            hint="Go back to your leadpath home page and pick the assessment from the list.",
            code="attempt_not_found",
            status=404,
            title="Assessment not found",
        )
    return attempt


def _progress(attempt: Attempt) -> dict:
    return dict((attempt.result or {}).get("progress") or {})


def _set_progress(attempt: Attempt, **values) -> None:
    attempt.result = {"progress": {**_progress(attempt), **values}}


def start_or_continue(session: Session, launch: LaunchSession, offer: Offer) -> Attempt:
    """Return the learner's open attempt at this link (reopening it), or start a new one."""
    if launch.resource_link_id is not None:  # one start at a time per link (PostgreSQL)
        session.execute(
            select(ResourceLink.id)
            .where(ResourceLink.id == launch.resource_link_id)
            .with_for_update()
        )
    for attempt in attempts_at_link(session, launch):
        if attempt.status == IN_PROGRESS:
            reopen(session, launch, attempt)
            return attempt
    version = current_version(session, offer.framework_id)
    framework = framework_of(version)
    overrides = results.overrides_of(session, launch.platform_user.issuer)
    domains = list(offer.domains or in_scope_domains(framework, offer.career_phase, overrides))
    now = utcnow()
    attempt = Attempt(
        kind=SELF,
        learner_id=launch.platform_user.learner_id,
        platform_user_id=launch.platform_user_id,
        resource_link_id=launch.resource_link_id,
        course_id=launch.course_id,
        framework_version_id=version.id,
        career_phase=offer.career_phase,
        domains=domains,
        status=IN_PROGRESS,
        current_domain=domains[0],
        revision=0,
        started_at=now,
        updated_at=now,
        result={"progress": {"launch": launch.token_hash, "suspended": False}},
    )
    attempt.framework_version = version
    session.add(attempt)
    session.flush()
    AttemptStatements(session, launch, attempt).initialized()
    return attempt


def reopen(session: Session, launch: LaunchSession, attempt: Attempt) -> bool:
    """Record `resumed` when an open attempt is taken up in a new launch or after a pause."""
    if attempt.status != IN_PROGRESS:
        return False
    progress = _progress(attempt)
    if progress.get("launch") == launch.token_hash and not progress.get("suspended"):
        return False
    _set_progress(attempt, launch=launch.token_hash, suspended=False)
    AttemptStatements(session, launch, attempt).resumed()
    return True


def _refuse_if_closed(attempt: Attempt, launch: LaunchSession) -> None:
    if attempt.status == COMPLETED:
        raise AttemptClosed(
            "This assessment was completed and its answers can no longer be changed.",
            hint="Start a new attempt from your leadpath home page to record where you are now.",
        )
    if attempt.resource_link_id != launch.resource_link_id:
        raise UserFacingError(
            "This assessment was started from another activity in your LMS.",
            hint="Open that activity to carry on with it.",
            code="attempt_elsewhere",
            status=409,
            title="Carry on where you started",
        )


def _claim_revision(session: Session, attempt: Attempt, raw: str | None) -> None:
    """Move the attempt to its next revision, or refuse a stale or tampered one."""
    stale = UserFacingError(
        "This page was already saved, or the assessment changed in another tab or window, so "
        "these answers were not saved.",
        hint="Open the assessment again from your leadpath home page to see what is stored.",
        code="stale_revision",
        status=409,
        title="This page is out of date",
    )
    revision = whole_number(str(raw)) if raw is not None else None
    if revision is None:
        raise stale
    claimed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.revision == revision)
        .values(revision=Attempt.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise stale
    attempt.revision = revision + 1


def _store_answer(
    session: Session, attempt: Attempt, path: str, answer: ElementAnswer
) -> ElementResponse | None:
    """Write one element's answer; return the row when its ratings or stage changed."""
    row = next((r for r in attempt.responses if r.element_path == path), None)
    if row is None and answer.is_empty:
        return None
    if row is None:
        row = ElementResponse(attempt_id=attempt.id, element_path=path, ratings={})
        attempt.responses.append(row)
    changed = row.ratings != answer.ratings or row.picked_stage != answer.picked_stage
    row.ratings = dict(answer.ratings)
    row.picked_stage = answer.picked_stage
    row.reflection = answer.reflection
    row.evidence = answer.evidence
    row.updated_at = utcnow()
    rated = any(isinstance(v, int) for v in answer.ratings.values())
    return row if changed and (rated or answer.picked_stage is not None) else None


def _target(domains: list[str], domain_id: str, action: str, complete_here: bool) -> str | None:
    index = domains.index(domain_id)
    if action == PREVIOUS:
        return domains[max(index - 1, 0)]
    if action == LATER and not complete_here:
        return domain_id
    return domains[index + 1] if index + 1 < len(domains) else FINISH


def save_domain(
    session: Session,
    launch: LaunchSession,
    attempt: Attempt,
    domain_id: str,
    fields: Mapping[str, str],
    action: str,
) -> str | None:
    """Save one domain page; return the domain to show next (None: the finish page)."""
    _refuse_if_closed(attempt, launch)
    framework = framework_for(attempt)
    domains = domain_ids(attempt)
    if domain_id not in domains:
        raise UserFacingError(
            f"The domain {domain_id!r} is not part of this assessment.",
            hint="Go back to the assessment and use its own pages.",
            code="unknown_domain",
            status=404,
            title="Domain not found",
        )
    if action not in ACTIONS:
        raise UserFacingError(
            f"The button {action!r} is not one this page offers.",
            hint="Use Previous, Save and continue, or Save and finish later.",
            code="bad_action",
        )
    answers = read_domain_answers(framework, framework.domain(domain_id), domains, fields)
    _claim_revision(session, attempt, fields.get("revision"))
    statements = AttemptStatements(session, launch, attempt)
    for path, answer in answers.items():
        if _store_answer(session, attempt, path, answer) is not None:
            statements.answered(path, answer.ratings, answer.picked_stage)
    missing = {e.path for e in missing_elements(attempt)}
    complete_here = not any(e.path in missing for e in framework.domain(domain_id).elements)
    target = _target(domains, domain_id, action, complete_here)
    attempt.current_domain = target or domains[-1]
    attempt.updated_at = utcnow()
    if action == LATER:
        _set_progress(attempt, launch=launch.token_hash, suspended=True)
        statements.suspended()
    session.flush()
    return target


def _answers(attempt: Attempt) -> tuple[dict[str, int | None], dict[str, int | None]]:
    ratings, picked = {}, {}
    for row in attempt.responses:
        ratings.update(row.ratings or {})
        picked[row.element_path] = row.picked_stage
    return ratings, picked


def score(attempt: Attempt):
    """Return the element scores of the attempt's rated domains from its stored answers.

    Elements of a reflection domain (written about, never rated) are left out.
    """
    framework = framework_for(attempt)
    ratings, picked = _answers(attempt)
    domains = {d for d in domain_ids(attempt) if framework.domain(d).is_rated}
    elements = [e.path for e in framework.elements() if e.domain_id in domains]
    return score_assessment(framework, ratings, picked, elements)


def missing_elements(attempt: Attempt) -> list:
    """Return the rated elements that have no answer yet.

    An element is answered when it has a rating, a picked stage, or every indicator
    answered "Not applicable to my role".
    """
    framework = framework_for(attempt)
    return [
        framework.element(p)
        for p, s in score(attempt).items()
        if s.attained is None and not s.not_applicable
    ]


def complete(
    session: Session, launch: LaunchSession, attempt: Attempt, revision: str | None
) -> None:
    """Score and close the attempt; refuse while any element is unanswered."""
    _refuse_if_closed(attempt, launch)
    missing = missing_elements(attempt)
    if missing:
        names = "; ".join(e.title for e in missing)
        count = plural(len(missing), "element still needs", "elements still need")
        raise AttemptIncomplete(
            f"{count} a rating or a picked stage: {names}.",
            hint="Go back to those domains, rate the indicators or pick the stage that fits "
            "best, then finish again.",
        )
    _claim_revision(session, attempt, revision)
    framework = framework_for(attempt)
    scores = score(attempt)
    link = launch.resource_link
    mode = grade_mode_of(link.custom if link else None)
    outcome = results.build_result(session, attempt, framework, scores, mode)
    now = utcnow()
    attempt.status = COMPLETED
    attempt.completed_at = now
    attempt.updated_at = now
    attempt.score = outcome["overall"]
    attempt.result = outcome
    statements = AttemptStatements(session, launch, attempt)
    completed_id = statements.completed(
        outcome["grade"], outcome["success"], now - attempt.started_at
    )
    for path, element in outcome["elements"].items():
        if element["attained"] is None:  # wholly "Not applicable to my role"
            continue
        statements.competency(path, element["attained"], element["expected"], completed_id)
    queue_grade(session, launch, attempt)
    session.flush()
