"""`leadpath learner erase`: remove one learner from leadpath, keeping an audit record only.

Removed: their platform identities (names, emails, user ids), memberships, the platforms'
roster entries for them (a platform lists them again at its next roster refresh while they are
still enrolled there), programme lead grants, their history-sharing choice, launch sessions,
attempts with answers, reflections, 360 invitations and answers about them, validations of
their attempts, link codes, registration-number fingerprints and link offers, merged records,
queued grades, queued statements, and every statement and document about them in the embedded
LRS. Their email is also taken off 360 invitations where another learner invited them as a
rater, and validations they signed for other learners are kept under an anonymous supervisor.
Statements external LRSs already received are voided: a voiding statement per statement is
queued for exactly the LRSs that received it (their actor is leadpath itself, not the learner).
The audit record says when, who asked, their reference and how many rows went; nothing personal.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.orm import Session

from lti_tool.assess.models import (
    Attempt,
    ElementResponse,
    FeedbackInvitation,
    FeedbackMail,
    FeedbackRelease,
    FeedbackResponse,
    Validation,
    ValidationElement,
)
from lti_tool.courses.models import RosterMember
from lti_tool.grades.models import GradeScore
from lti_tool.identity.models import (
    LearnerMerge,
    LinkCode,
    LinkCodeFailures,
    ProfessionalRegistration,
    RegistrationLinkOffer,
)
from lti_tool.models import Course, LaunchSession, Learner, Membership, PlatformUser
from lti_tool.programmes.models import HistoryConsent, ProgrammeLead
from lti_tool.rights import LearnerRecord
from lti_tool.rights.models import LearnerErasure
from xapi.outbox.destinations import EMBEDDED
from xapi.outbox.models import DELIVERED, PENDING, Delivery, Destination, OutboxStatement
from xapi.statements.reissue import build_voided

ERASURE_ACTOR = "leadpath-erasure"
ERASED_ISSUER = "urn:leadpath:erased"


def erase_from_lrs(engine: Engine, base_url: str, record: LearnerRecord, reference: str) -> int:
    """Erase every statement and document about the learner's accounts from the embedded LRS."""
    from xapi.lrs import transfer

    erased = 0
    for learner_id in record.all_ids:
        agent = {"account": {"homePage": base_url, "name": learner_id}}
        statements, _ = transfer.erase_agent(engine, agent, "leadpath learner erase", reference)
        erased += statements
    return erased


def _count(session: Session, statement) -> int:
    return session.execute(statement).rowcount or 0


def _void_delivered(session: Session, base_url: str, seqs: list[int]) -> int:
    """Queue voiding statements for the external LRSs that received (or may be receiving) them."""
    now = datetime.now(UTC)
    rows = session.execute(
        select(
            Delivery.destination_id,
            OutboxStatement.statement_id,
            OutboxStatement.platform_issuer,
            OutboxStatement.course_id,
        )
        .join(OutboxStatement, OutboxStatement.seq == Delivery.statement_seq)
        .join(Destination, Destination.id == Delivery.destination_id)
        .where(
            Delivery.statement_seq.in_(seqs),
            Destination.name != EMBEDDED,
            or_(
                Delivery.status == DELIVERED,
                (Delivery.status == PENDING) & (Delivery.claimed_until > now),
            ),
        )
        .order_by(Delivery.statement_seq)
    ).all()
    lane = f"erasure:{uuid.uuid4()}"
    for destination_id, statement_id, issuer, course_id in rows:
        voiding = build_voided(base_url, ERASURE_ACTOR, statement_id)
        row = OutboxStatement(
            statement_id=voiding["id"],
            body=json.dumps(voiding, separators=(",", ":")),
            learner_key=lane,
            platform_issuer=issuer,
            course_id=course_id,
            routed=True,
        )
        session.add(row)
        session.flush()
        session.add(
            Delivery(
                destination_id=destination_id,
                statement_seq=row.seq,
                learner_key=lane,
                status=PENDING,
            )
        )
    return len(rows)


def _anonymous_supervisor(session: Session) -> int:
    learner = Learner()
    session.add(learner)
    session.flush()
    user = PlatformUser(issuer=ERASED_ISSUER, sub=str(uuid.uuid4()), learner_id=learner.id)
    session.add(user)
    session.flush()
    return user.id


def erase_learner(
    session: Session, base_url: str, record: LearnerRecord, requested_by: str, reference: str
) -> dict[str, int]:
    """Remove the learner from leadpath's tables in `session`'s transaction; return counts."""
    ids, users = list(record.all_ids), list(record.identity_ids) or [-1]
    people = session.execute(
        select(PlatformUser.issuer, PlatformUser.sub, PlatformUser.email).where(
            PlatformUser.id.in_(users)
        )
    ).all()
    counts: dict[str, int] = {"identities": len(record.identity_ids)}
    attempts = list(
        session.scalars(
            select(Attempt.id).where(
                or_(Attempt.learner_id.in_(ids), Attempt.platform_user_id.in_(users))
            )
        )
    )
    attempt_ids = attempts or ["-"]
    invitations = select(FeedbackInvitation.id).where(
        FeedbackInvitation.attempt_id.in_(attempt_ids)
    )
    validations = select(Validation.id).where(Validation.attempt_id.in_(attempt_ids))
    session.execute(delete(FeedbackResponse).where(FeedbackResponse.invitation_id.in_(invitations)))
    session.execute(delete(FeedbackMail).where(FeedbackMail.invitation_id.in_(invitations)))
    session.execute(delete(FeedbackRelease).where(FeedbackRelease.attempt_id.in_(attempt_ids)))
    counts["feedback_invitations"] = _count(
        session, delete(FeedbackInvitation).where(FeedbackInvitation.attempt_id.in_(attempt_ids))
    )
    session.execute(
        delete(ValidationElement).where(ValidationElement.validation_id.in_(validations))
    )
    counts["validations"] = _count(
        session, delete(Validation).where(Validation.attempt_id.in_(attempt_ids))
    )
    session.execute(delete(ElementResponse).where(ElementResponse.attempt_id.in_(attempt_ids)))
    counts["attempts"] = _count(session, delete(Attempt).where(Attempt.id.in_(attempt_ids)))
    signed = session.scalars(select(Validation.id).where(Validation.supervisor_id.in_(users))).all()
    released = session.scalars(
        select(FeedbackRelease.attempt_id).where(FeedbackRelease.released_by.in_(users))
    ).all()
    if signed or released:
        anonymous = _anonymous_supervisor(session)
        session.execute(
            update(Validation).where(Validation.id.in_(signed)).values(supervisor_id=anonymous)
        )
        session.execute(
            update(FeedbackRelease)
            .where(FeedbackRelease.attempt_id.in_(released))
            .values(released_by=anonymous)
        )
    emails = [e.strip().lower() for _, _, e in people if e]
    if emails:
        session.execute(delete(FeedbackMail).where(func.lower(FeedbackMail.to_address).in_(emails)))
        counts["rater_emails_removed"] = _count(
            session,
            update(FeedbackInvitation)
            .where(func.lower(FeedbackInvitation.email).in_(emails))
            .values(email=None),
        )
    for issuer, sub, _ in people:
        counts["grades"] = counts.get("grades", 0) + _count(
            session,
            delete(GradeScore).where(GradeScore.issuer == issuer, GradeScore.user_id == sub),
        )
    for issuer, sub, _ in people:
        courses = select(Course.id).where(Course.issuer == issuer)
        counts["roster_entries"] = counts.get("roster_entries", 0) + _count(
            session,
            delete(RosterMember).where(
                RosterMember.user_id == sub, RosterMember.course_id.in_(courses)
            ),
        )
        counts["programme_lead_grants"] = counts.get("programme_lead_grants", 0) + _count(
            session,
            delete(ProgrammeLead).where(ProgrammeLead.issuer == issuer, ProgrammeLead.sub == sub),
        )
    session.execute(delete(HistoryConsent).where(HistoryConsent.learner_id.in_(ids)))
    session.execute(delete(LaunchSession).where(LaunchSession.platform_user_id.in_(users)))
    session.execute(delete(Membership).where(Membership.platform_user_id.in_(users)))
    session.execute(
        delete(LinkCode).where(
            or_(
                LinkCode.learner_id.in_(ids),
                LinkCode.platform_user_id.in_(users),
                LinkCode.used_by_platform_user_id.in_(users),
            )
        )
    )
    session.execute(delete(LinkCodeFailures).where(LinkCodeFailures.platform_user_id.in_(users)))
    session.execute(
        delete(ProfessionalRegistration).where(ProfessionalRegistration.platform_user_id.in_(users))
    )
    session.execute(
        delete(RegistrationLinkOffer).where(
            or_(
                RegistrationLinkOffer.newcomer_id.in_(users),
                RegistrationLinkOffer.holder_id.in_(users),
            )
        )
    )
    seqs = list(
        session.scalars(
            select(OutboxStatement.seq).where(
                or_(
                    OutboxStatement.learner_key.in_(ids),
                    *(OutboxStatement.body.contains(i) for i in ids),
                )
            )
        )
    )
    counts["voiding_statements_queued"] = _void_delivered(session, base_url, seqs) if seqs else 0
    counts["queued_statements"] = len(seqs)
    for start in range(0, len(seqs), 500):
        session.execute(
            delete(OutboxStatement).where(OutboxStatement.seq.in_(seqs[start : start + 500]))
        )
    session.execute(
        delete(LearnerMerge).where(
            or_(LearnerMerge.learner_id.in_(ids), LearnerMerge.former_learner_id.in_(ids))
        )
    )
    session.execute(delete(PlatformUser).where(PlatformUser.id.in_(users)))
    session.execute(delete(Learner).where(Learner.id.in_(ids)))
    session.add(LearnerErasure(requested_by=requested_by, reference=reference, counts=counts))
    session.flush()
    return counts
