"""Data-protection rights (UK GDPR): everything held about one learner, exported or erased.

A learner is found by learner id, by platform issuer + user `sub`, or by an email a platform
sent. May import `lti_tool`'s models, `xapi.lrs` (the embedded LRS's statements) and
`xapi.outbox` (statements still queued, and voiding statements for external LRSs).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.identity.models import LearnerMerge
from lti_tool.models import Learner, PlatformUser


class LearnerNotFound(LookupError):
    """No learner, or more than one, matches what identified them; the message says which."""


@dataclass(frozen=True)
class LearnerRecord:
    """A learner and every id and identity that is theirs."""

    learner_id: str
    former_ids: tuple[str, ...]
    identity_ids: tuple[int, ...]

    @property
    def all_ids(self) -> tuple[str, ...]:
        """Return the learner id and every former id merged into it."""
        return (self.learner_id, *self.former_ids)


def _former_ids(session: Session, learner_id: str) -> tuple[str, ...]:
    found: list[str] = []
    frontier = [learner_id]
    while frontier:
        rows = session.scalars(
            select(LearnerMerge.former_learner_id).where(LearnerMerge.learner_id.in_(frontier))
        ).all()
        frontier = [r for r in rows if r not in found and r != learner_id]
        found.extend(frontier)
    return tuple(found)


def find_learner(
    session: Session,
    *,
    learner_id: str | None = None,
    issuer: str | None = None,
    sub: str | None = None,
    email: str | None = None,
) -> LearnerRecord:
    """Return the learner identified by id, by issuer + sub, or by email."""
    if learner_id:
        ids = {learner_id} if session.get(Learner, learner_id) is not None else set()
        what = f"learner id {learner_id}"
    elif issuer and sub:
        ids = set(
            session.scalars(
                select(PlatformUser.learner_id).where(
                    PlatformUser.issuer == issuer, PlatformUser.sub == sub
                )
            )
        )
        what = f"user {sub} of {issuer}"
    elif email:
        ids = set(
            session.scalars(
                select(PlatformUser.learner_id).where(
                    func.lower(PlatformUser.email) == email.strip().lower()
                )
            )
        )
        what = f"email {email}"
    else:
        raise LearnerNotFound("Give a learner id, an issuer and sub, or an email.")
    if not ids:
        raise LearnerNotFound(f"No learner has {what}.")
    if len(ids) > 1:
        raise LearnerNotFound(
            f"{len(ids)} learners have {what}: identify the learner by --learner instead "
            f"({', '.join(sorted(ids))})."
        )
    [found] = ids
    identities = session.scalars(
        select(PlatformUser.id).where(PlatformUser.learner_id == found).order_by(PlatformUser.id)
    ).all()
    return LearnerRecord(found, _former_ids(session, found), tuple(identities))
