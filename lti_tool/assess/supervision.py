"""Supervisor validation: a mentor or instructor confirms or adjusts stages, then signs off.

Only completed self-assessments of the supervisor's own course can be reviewed. Signing off
queues a `verified` statement (the supervisor as actor) and an `asserted` competency statement
for every element whose stage the supervisor changed, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from framework.phases import expected_profile
from framework.scoring import ElementScore, score_element
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import COMPLETED, SELF, Attempt, Validation, ValidationElement
from lti_tool.assess.results import institution_overrides
from lti_tool.assess.stage_forms import element_paths, invalid, read_comment, read_stages
from lti_tool.assess.statement_context import attempt_context as learner_context
from lti_tool.assess.statement_context import element_event, queue_for_attempt
from lti_tool.errors import UserFacingError
from lti_tool.lti.roles import mentee_scope
from lti_tool.models import LaunchSession, PlatformUser, best_name, utcnow
from xapi import statements as xs

COMMENT_FIELD = "comment-"
ACTIONS = ("save", "signoff")


@dataclass(frozen=True)
class ValidatedElement:
    """The supervisor's judgement of one element, beside the learner's own stage."""

    path: str
    title: str
    domain_title: str
    learner_stage: int | None
    confirmed_stage: int
    comment: str | None

    @property
    def adjusted(self) -> bool:
        """Return True when the supervisor changed the learner's stage."""
        return self.learner_stage != self.confirmed_stage


@dataclass(frozen=True)
class ValidationSummary:
    """A signed-off validation as the learner sees it."""

    attempt_id: str
    signed_off_at: datetime
    supervisor: str | None
    comment: str | None
    elements: tuple[ValidatedElement, ...]


def _not_found() -> UserFacingError:
    return UserFacingError(
        "There is no such completed self-assessment in this course.",
        hint="Open the validation list again from the course.",
        code="not_found",
        status=404,
        title="Not found",
    )


SIGNED_OFF_PAGE_SIZE = 25  # sign-offs per page of the validation list, newest first


@dataclass(frozen=True)
class Listed:
    """A completed self-assessment as the validation list shows it (no answers loaded)."""

    attempt_id: str
    completed_at: datetime | None
    learner: str
    review_started: bool
    signed_off_at: datetime | None


def _completed(launch: LaunchSession):
    """The query of the course's others' completed self-assessments the supervisor may see."""
    query = (
        select(
            Attempt.id,
            Attempt.completed_at,
            PlatformUser.name,
            PlatformUser.given_name,
            PlatformUser.family_name,
            PlatformUser.sub,
            Validation.id,
            Validation.signed_off_at,
        )
        .join(PlatformUser, PlatformUser.id == Attempt.platform_user_id)
        .outerjoin(Validation, Validation.attempt_id == Attempt.id)
        .where(
            Attempt.course_id == launch.course_id,
            Attempt.kind == SELF,
            Attempt.status == COMPLETED,
            Attempt.learner_id != launch.platform_user.learner_id,
        )
    )
    scope = mentee_scope(launch.roles, launch.claims)
    if scope is not None:
        query = query.where(
            PlatformUser.issuer == launch.platform_user.issuer, PlatformUser.sub.in_(scope)
        )
    return query


def signed_off_count(session: Session, launch: LaunchSession) -> int:
    """Return how many of the course's self-assessments the supervisor sees are signed off."""
    if launch.course_id is None:
        return 0
    signed = _completed(launch).where(Validation.signed_off_at.is_not(None))
    return session.scalar(select(func.count()).select_from(signed.subquery()))


def course_attempts(
    session: Session, launch: LaunchSession, page: int = 1
) -> tuple[list[Listed], list[Listed]]:
    """Return those awaiting sign-off (all, newest first) and a page of those signed off.

    Signed off ones come latest sign-off first. Only the listed columns are read, so the page
    costs the same however many a course has.
    """
    if launch.course_id is None:
        return [], []
    query = _completed(launch)
    pending = query.where(Validation.signed_off_at.is_(None)).order_by(
        Attempt.completed_at.desc(), Attempt.id
    )
    done = (
        query.where(Validation.signed_off_at.is_not(None))
        .order_by(Validation.signed_off_at.desc(), Attempt.id)
        .limit(SIGNED_OFF_PAGE_SIZE)
        .offset((max(page, 1) - 1) * SIGNED_OFF_PAGE_SIZE)
    )
    return (
        [_listed(row) for row in session.execute(pending)],
        [_listed(row) for row in session.execute(done)],
    )


def _listed(row) -> Listed:
    attempt_id, completed_at, name, given, family, sub, validation_id, signed_off_at = row
    return Listed(
        attempt_id,
        completed_at,
        best_name(name, given, family) or "Learner " + sub,
        validation_id is not None,
        signed_off_at,
    )


def reviewable(session: Session, launch: LaunchSession, attempt_id: str, *, lock=False) -> Attempt:
    """Return a completed self-assessment of the launch's course, or refuse with 404."""
    query = select(Attempt).where(Attempt.id == attempt_id)
    attempt = session.scalar(query.with_for_update() if lock else query)
    if (
        attempt is None
        or attempt.kind != SELF
        or attempt.status != COMPLETED
        or launch.course_id is None
        or attempt.course_id != launch.course_id
    ):
        raise _not_found()
    scope = mentee_scope(launch.roles, launch.claims)
    if scope is not None:
        learner = session.get(PlatformUser, attempt.platform_user_id)
        if learner.issuer != launch.platform_user.issuer or learner.sub not in scope:
            raise _not_found()  # a mentor sees only the learners role_scope_mentor names
    if attempt.learner_id == launch.platform_user.learner_id:
        raise UserFacingError(
            "You cannot validate your own self-assessment.",
            hint="Ask another supervisor of the course to review it.",
            code="own_attempt",
            status=403,
            title="Not available for your own assessment",
        )
    return attempt


def learner_scores(attempt: Attempt) -> dict[str, ElementScore | None]:
    """Return the learner's score per element of the attempt (None when not answered)."""
    framework = framework_of(attempt.framework_version)
    answers = {r.element_path: r for r in attempt.responses}
    scores: dict[str, ElementScore | None] = {}
    for path in element_paths(framework, attempt.domains):
        answer = answers.get(path)
        scores[path] = (
            score_element(framework, path, answer.ratings or {}, answer.picked_stage)
            if answer
            else None
        )
    return scores


def expected_stages(session: Session, attempt: Attempt) -> dict[str, int | None]:
    """Return the stage expected per domain of the attempt's framework at its career phase.

    Keyed by the attempt's own framework: a curriculum's levels from the phase's
    ``expected_in`` (F1, F2 …), nothing for the HLM, whose levels are not tied to roles.
    Empty when the attempt names no career phase, or one leadpath does not know.
    """
    if not attempt.career_phase:
        return {}
    framework = framework_of(attempt.framework_version)
    overrides = institution_overrides(session, attempt)
    try:
        return expected_profile(attempt.career_phase, overrides, framework=framework)
    except KeyError:
        return {}


def review_rows(session: Session, attempt: Attempt) -> list[dict]:
    """Return per element what the supervisor needs: stages, ratings, reflection, evidence."""
    framework = framework_of(attempt.framework_version)
    answers = {r.element_path: r for r in attempt.responses}
    validation = session.scalar(select(Validation).where(Validation.attempt_id == attempt.id))
    drafts = {v.element_path: v for v in validation.elements} if validation else {}
    expected = expected_stages(session, attempt)
    rows = []
    for path, score in learner_scores(attempt).items():
        element, answer, draft = framework.element(path), answers.get(path), drafts.get(path)
        learner_stage = score.attained if score else None
        rows.append(
            {
                "element": element,
                "domain": framework.domain(element.domain_id),
                "score": score,
                "learner_stage": learner_stage,
                "expected": expected.get(element.domain_id),
                "rated": sum(s.rated for s in score.stages) if score else 0,
                "indicators": len(element.indicators),
                "reflection": answer.reflection if answer else None,
                "evidence": answer.evidence if answer else None,
                "stage": draft.confirmed_stage if draft else learner_stage,
                "comment": draft.comment if draft else None,
            }
        )
    return rows


def submit_review(session: Session, launch: LaunchSession, attempt_id: str, form) -> Validation:
    """Store the supervisor's stages and comments; on sign-off, queue the statements."""
    attempt = reviewable(session, launch, attempt_id, lock=True)  # authorised before read
    if form.get("attempt_id") != attempt_id:
        raise invalid("The form does not belong to this self-assessment.")
    action = form.get("action")
    if action not in ACTIONS:
        raise invalid("Choose whether to save the review or to sign it off.")
    validation = session.scalar(
        select(Validation).where(Validation.attempt_id == attempt.id).with_for_update()
    )
    if validation is not None and validation.signed_off_at is not None:
        raise invalid("This self-assessment is already signed off.", status=409)
    framework = framework_of(attempt.framework_version)
    scores = learner_scores(attempt)
    paths = list(scores)
    stages = read_stages(form, framework, paths, required=False)
    for key in form:
        if key.startswith(COMMENT_FIELD) and key[len(COMMENT_FIELD) :] not in scores:
            raise invalid("The form names an element that is not part of this assessment.")
    missing = [
        p for p in paths if scores[p] and scores[p].attained is not None and stages[p] is None
    ]
    if action == "signoff" and missing:
        raise invalid("Confirm or adjust the stage of every element the learner assessed.")
    if validation is None:
        validation = Validation(attempt_id=attempt.id, supervisor_id=launch.platform_user_id)
        session.add(validation)
    validation.supervisor_id = launch.platform_user_id
    validation.comment = read_comment(form)
    existing = {e.element_path: e for e in validation.elements}
    for path in paths:
        row = existing.get(path)
        if stages[path] is None:
            if row is not None:
                validation.elements.remove(row)
            continue
        if row is None:
            row = ValidationElement(element_path=path, confirmed_stage=stages[path])
            validation.elements.append(row)
        row.learner_stage = scores[path].attained if scores[path] else None
        row.confirmed_stage = stages[path]
        row.comment = read_comment(form, COMMENT_FIELD + path)
    if action == "signoff":
        validation.signed_off_at = utcnow()
        _queue_sign_off(session, launch, attempt, validation)
    session.flush()
    return validation


def _queue_sign_off(session, launch, attempt: Attempt, validation: Validation) -> None:
    framework = framework_of(attempt.framework_version)
    base = current_app.config["LEADPATH"].base_url
    ctx = learner_context(session, attempt)
    expected = expected_stages(session, attempt)
    supervisor = launch.platform_user
    named = supervisor.name or supervisor.given_name
    adjusted = [e for e in validation.elements if e.confirmed_stage != e.learner_stage]
    verified = xs.build_validated(
        ctx,
        xs.Validated(
            attempt_id=attempt.id,
            assessment_title="Leadership self-assessment",
            supervisor_id=supervisor.learner_id,
            agreed=not adjusted,
            supervisor_name=supervisor.display_name if named else None,
        ),
    )
    asserted = [
        xs.build_competency_asserted(
            ctx,
            xs.CompetencyEvent(
                **element_event(base, framework, attempt, e.element_path),
                stage=e.confirmed_stage,
                expected_stage=expected.get(framework.element(e.element_path).domain_id),
                stage_max=framework.max_stage,
                evidence=(verified["id"],),
            ),
        )
        for e in adjusted
    ]
    queue_for_attempt(session, attempt, [verified, *asserted])


def validation_for(session: Session, attempt_id: str) -> ValidationSummary | None:
    """Return the signed-off validation of an attempt, or None while there is none."""
    validation = session.scalar(select(Validation).where(Validation.attempt_id == attempt_id))
    if validation is None or validation.signed_off_at is None:
        return None
    attempt = session.get(Attempt, attempt_id)
    framework = framework_of(attempt.framework_version)
    supervisor = session.get(PlatformUser, validation.supervisor_id)
    named = supervisor.name or supervisor.given_name or supervisor.family_name
    elements = []
    for row in validation.elements:
        element = framework.element(row.element_path)
        elements.append(
            ValidatedElement(
                path=row.element_path,
                title=element.title,
                domain_title=framework.domain(element.domain_id).title,
                learner_stage=row.learner_stage,
                confirmed_stage=row.confirmed_stage,
                comment=row.comment,
            )
        )
    return ValidationSummary(
        attempt_id=attempt_id,
        signed_off_at=validation.signed_off_at,
        supervisor=supervisor.display_name if named else None,
        comment=validation.comment,
        elements=tuple(elements),
    )
