"""The course overview's roster: each learner of the course, with where their assessments stand.

Learners are those the platform's roster lists (when given), and those who launched leadpath
as a learner of the course or hold an attempt in it.
"""

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
from lti_tool.courses.models import RosterMember
from lti_tool.lti.roles import LEARNER
from lti_tool.models import Course, Membership, PlatformUser


@dataclass
class RosterRow:
    """One learner of the course and their latest self-assessment, 360 and validation."""

    user: PlatformUser | None
    member: RosterMember | None = None
    in_roster: bool = True
    self_latest: Attempt | None = None
    self_completed: Attempt | None = None
    feedback: Attempt | None = None
    raters: int = 0
    validation: Validation | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return the learner's name, or their user id at the platform when none was sent."""
        person = self.user or self.member
        named = person.name or person.given_name or person.family_name
        if not named:
            return "Learner " + (self.user.sub if self.user else self.member.user_id)
        full = " ".join(p for p in (person.given_name, person.family_name) if p)
        return person.name or full

    @property
    def key(self) -> str:
        """Return an id for the row: the platform user's id, or the roster's user id."""
        return str(self.user.id) if self.user else "roster:" + self.member.user_id

    @property
    def sort_key(self) -> tuple[str, str]:
        """Return the family name then the full name, lower case, for ordering."""
        person = self.user or self.member
        return ((person.family_name or person.name or "").lower(), self.name.lower())


def course_roster(
    session: Session, course_id: int, members: list[RosterMember] | None = None
) -> list[RosterRow]:
    """Return a row per learner of the course: on the roster, launched, or holding an attempt.

    With `members` (the platform's roster), learners not on it are marked `in_roster=False`.
    """
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
    rows: dict[int, RosterRow] = {
        uid: RosterRow(user, in_roster=members is None) for uid, user in learners.items()
    }
    extra = _merge_members(session, course_id, members or [], rows)
    for attempt in attempts:
        row = rows.get(attempt.platform_user_id)
        if row is None:
            row = rows[attempt.platform_user_id] = RosterRow(
                session.get(PlatformUser, attempt.platform_user_id), in_roster=members is None
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
    return sorted([*rows.values(), *extra], key=lambda r: r.sort_key)


def _merge_members(
    session: Session, course_id: int, members: list[RosterMember], rows: dict[int, RosterRow]
) -> list[RosterRow]:
    """Mark roster members among `rows` (adding those who launched); return those who did not."""
    if not members:
        return []
    issuer = session.get(Course, course_id).issuer
    by_sub = {
        u.sub: u
        for u in session.scalars(
            select(PlatformUser).where(
                PlatformUser.issuer == issuer,
                PlatformUser.sub.in_([m.user_id for m in members]),
            )
        )
    }
    extra = []
    for member in members:
        user = by_sub.get(member.user_id)
        if user is None:
            extra.append(RosterRow(None, member))
            continue
        row = rows.setdefault(user.id, RosterRow(user))
        row.member, row.in_roster = member, True
    return extra
