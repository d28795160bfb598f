"""Write a score with the completion that earned it; lease, settle, report and retry rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt
from lti_tool.grades.models import DEAD, PENDING, SENT, GradeScore
from lti_tool.lti import claims as c
from lti_tool.lti.registry import find_platform
from lti_tool.models import LaunchSession, Platform, utcnow

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class LeasedScore:
    """A leased row, as the sender needs it outside the leasing transaction."""

    id: int
    platform_id: int
    lineitem: str
    body: dict
    attempts: int


def lane_of(platform_id: int, lineitem: str, user_id: str) -> str:
    """Return the key of the rows that must reach the platform in order."""
    return hashlib.sha256(f"{platform_id}\n{lineitem}\n{user_id}".encode()).hexdigest()


def _platform(session: Session, claims: dict) -> Platform | None:
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    for client_id in audiences:
        if isinstance(client_id, str):
            platform = find_platform(session, claims.get("iss", ""), client_id)
            if platform is not None:
                return platform
    return None


def score_lineitem(claims: dict) -> str | None:
    """Return the launch's line item URL when the platform granted the score scope."""
    endpoint = claims.get(c.AGS_ENDPOINT)
    if not isinstance(endpoint, dict) or SCORE_SCOPE not in (endpoint.get("scope") or []):
        return None
    lineitem = endpoint.get("lineitem")
    return lineitem if isinstance(lineitem, str) and lineitem else None


def score_body(user_id: str, attempt: Attempt) -> dict:
    """Return the AGS score (application/vnd.ims.lis.v1.score+json) of a completed attempt."""
    max_stage = framework_of(attempt.framework_version).max_stage
    score = Decimal(str(attempt.score))
    percent = (score * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    mean = (score * max_stage).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {
        "userId": user_id,
        "scoreGiven": float(percent),
        "scoreMaximum": 100,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": attempt.completed_at.isoformat(timespec="milliseconds"),
        "comment": f"Leadership self-assessment: mean stage {mean} of {max_stage}",
    }


def queue_grade(session: Session, launch: LaunchSession, attempt: Attempt) -> GradeScore | None:
    """Queue the attempt's score for the launch's line item, in the caller's transaction.

    Nothing is queued without the AGS score scope, without a `lineitem` (the activity has no
    grade column of its own), without a score, or for an unregistered platform.
    """
    claims = launch.claims or {}
    lineitem = score_lineitem(claims)
    if lineitem is None or attempt.score is None or not claims.get("sub"):
        return None
    platform = _platform(session, claims)
    if platform is None:
        return None
    user_id = str(claims["sub"])
    row = GradeScore(
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        lineitem=lineitem,
        user_id=user_id,
        lane=lane_of(platform.id, lineitem, user_id),
        attempt_id=attempt.id,
        body=score_body(user_id, attempt),
        status=PENDING,
        attempts=0,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


def lease_due(
    session: Session, owner: str, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[LeasedScore]:
    """Lease up to `limit` due rows that head their lane; other senders skip them."""
    now = now or utcnow()
    g, earlier = GradeScore, aliased(GradeScore)
    heads_lane = ~exists().where(
        earlier.lane == g.lane, earlier.status == PENDING, earlier.id < g.id
    )
    free = or_(g.leased_until.is_(None), g.leased_until < now)
    query = (
        select(g.id)
        .where(g.status == PENDING, g.next_attempt_at <= now, free, heads_lane)
        .order_by(g.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=g)
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(
        update(g)
        .where(g.id.in_(ids), g.status == PENDING, free)
        .values(leased_until=now + timedelta(seconds=lease_seconds), lease_owner=owner)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(g.id, g.platform_id, g.lineitem, g.body, g.attempts)
        .where(g.id.in_(ids), g.lease_owner == owner)
        .order_by(g.id)
    )
    return [LeasedScore(*row) for row in rows]


def _settle(session: Session, row_id: int, owner: str, **values) -> None:
    session.execute(
        update(GradeScore)
        .where(GradeScore.id == row_id, GradeScore.lease_owner == owner)
        .where(GradeScore.status == PENDING)
        .values(leased_until=None, lease_owner=None, **values)
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, row_id: int, owner: str, status: int, text: str) -> None:
    """Record that the platform accepted the score."""
    _settle(
        session,
        row_id,
        owner,
        status=SENT,
        attempts=GradeScore.attempts + 1,
        response_status=status,
        response_text=text[:TEXT_LIMIT],
        last_error=None,
        finished_at=utcnow(),
    )


def mark_dead(session: Session, row_id: int, owner: str, status: int, text: str) -> None:
    """Dead-letter a score the platform refused for good, keeping its answer."""
    _settle(
        session,
        row_id,
        owner,
        status=DEAD,
        attempts=GradeScore.attempts + 1,
        response_status=status,
        response_text=text[:TEXT_LIMIT],
        last_error=f"HTTP {status}: {text}"[:TEXT_LIMIT],
        finished_at=utcnow(),
    )


def mark_retry(
    session: Session, row_id: int, owner: str, error: str | None, when: datetime
) -> None:
    """Keep the score pending until `when`; with an `error`, count a failed attempt."""
    values = {}
    if error is not None:
        values = {"attempts": GradeScore.attempts + 1, "last_error": error[:TEXT_LIMIT]}
    _settle(session, row_id, owner, next_attempt_at=when, **values)


def grade_status(session: Session, now: datetime | None = None) -> dict:
    """Return pending, sent and dead counts per platform, oldest pending age, dead letters."""
    now = now or utcnow()
    g = GradeScore
    platforms: dict[int, dict] = {}
    counts = session.execute(
        select(g.platform_id, g.issuer, g.client_id, g.status, func.count(), func.min(g.created_at))
        .group_by(g.platform_id, g.issuer, g.client_id, g.status)
        .order_by(g.platform_id)
    )
    for platform_id, issuer, client_id, status, count, oldest in counts:
        entry = platforms.setdefault(
            platform_id,
            {
                "platform_id": platform_id,
                "issuer": issuer,
                "client_id": client_id,
                PENDING: 0,
                SENT: 0,
                DEAD: 0,
                "oldest_pending_seconds": None,
                "last_error": None,
            },
        )
        entry[status] = count
        if status == PENDING and oldest is not None:
            entry["oldest_pending_seconds"] = round((now - _aware(oldest)).total_seconds(), 1)
    for platform_id, error in session.execute(
        select(g.platform_id, g.last_error)
        .where(g.status == PENDING, g.last_error.is_not(None))
        .order_by(g.id)
    ):
        platforms[platform_id]["last_error"] = error
    dead = [
        {
            "id": row.id,
            "issuer": row.issuer,
            "lineitem": row.lineitem,
            "user_id": row.user_id,
            "attempt_id": row.attempt_id,
            "status": row.response_status,
            "response": row.response_text,
            "refused_at": row.finished_at.isoformat() if row.finished_at else None,
        }
        for row in session.scalars(select(g).where(g.status == DEAD).order_by(g.id))
    ]
    return {"platforms": list(platforms.values()), "dead": dead}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retry_grades(session: Session, *, dead: bool = False) -> dict:
    """Make every pending score due now; with `dead`, re-queue refused ones not superseded.

    A dead score is superseded when a later score of its lane is pending or was sent:
    re-sending it would overwrite the newer grade.
    """
    g, later = GradeScore, aliased(GradeScore)
    now = utcnow()
    due = session.execute(update(g).where(g.status == PENDING).values(next_attempt_at=now)).rowcount
    requeued = superseded = 0
    if dead:
        newer = exists().where(
            and_(later.lane == g.lane, later.id > g.id, later.status.in_((PENDING, SENT)))
        )
        superseded = session.scalar(select(func.count()).where(g.status == DEAD, newer))
        requeued = session.execute(
            update(g)
            .where(g.status == DEAD, ~newer)
            .values(status=PENDING, attempts=0, next_attempt_at=now, finished_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    return {"due_now": due, "requeued": requeued, "superseded": superseded}
