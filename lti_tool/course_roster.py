"""The course overview's roster: each learner who launched, with where their assessments stand."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.assess.models import (
    COMPLETED,
    FEEDBACK_360,
    SELF,
    Attempt,
    FeedbackInvitation,
    Validation,
)
from lti_tool.lti.roles import LEARNER
from lti_tool.models import Membership, PlatformUser


@dataclass
class RosterRow:
    """One learner of the course and their latest self-assessment, 360 and validation."""

    user: PlatformUser
    self_latest: Attempt | None = None
    self_completed: Attempt | None = None
    feedback: Attempt | None = None
    raters: int = 0
    validation: Validation | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return the learner's name, or their user id at the platform when none was sent."""
        user = self.user
        named = user.name or user.given_name or user.family_name
        return user.display_name if named else "Learner " + user.sub


def course_roster(session: Session, course_id: int) -> list[RosterRow]:
    """Return a row per learner of the course (launched as a learner, or holding an attempt)."""
    learners = {
        m.platform_user_id: m.platform_user
        for m in session.scalars(select(Membership).where(Membership.course_id == course_id))
        if LEARNER in m.roles
    }
    attempts = session.scalars(
        select(Attempt)
        .where(Attempt.course_id == course_id)
        .order_by(Attempt.started_at, Attempt.id)
    ).all()
    rows: dict[int, RosterRow] = {uid: RosterRow(user) for uid, user in learners.items()}
    for attempt in attempts:
        row = rows.get(attempt.platform_user_id)
        if row is None:
            row = rows[attempt.platform_user_id] = RosterRow(
                session.get(PlatformUser, attempt.platform_user_id)
            )
        row.attempts.append(attempt)
        if attempt.kind == SELF:
            row.self_latest = attempt
            if attempt.status == COMPLETED:
                row.self_completed = attempt
        elif attempt.kind == FEEDBACK_360:
            row.feedback = attempt
    completed_ids = [r.self_completed.id for r in rows.values() if r.self_completed]
    validations = {
        v.attempt_id: v
        for v in session.scalars(select(Validation).where(Validation.attempt_id.in_(completed_ids)))
    }
    feedback_ids = [r.feedback.id for r in rows.values() if r.feedback]
    answered = dict(
        session.execute(
            select(FeedbackInvitation.attempt_id, func.count())
            .where(
                FeedbackInvitation.attempt_id.in_(feedback_ids),
                FeedbackInvitation.submitted_at.is_not(None),
            )
            .group_by(FeedbackInvitation.attempt_id)
        ).all()
    )
    for row in rows.values():
        if row.self_completed:
            row.validation = validations.get(row.self_completed.id)
        if row.feedback:
            row.raters = answered.get(row.feedback.id, 0)
    return sorted(
        rows.values(),
        key=lambda r: ((r.user.family_name or r.user.name or "").lower(), r.name.lower()),
    )
