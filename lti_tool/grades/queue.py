"""The grade queue on the durable-queue core: scores written with their completions, then sent.

A score is queued in the transaction of the completion that earned it, then leased, settled,
reported and retried through `xapi.queue`.

A row is one score for (platform, line item, user); its lane — that triple — is the core's key
and its id the order: only the first pending row of a lane can be leased, so a platform always
receives a learner's scores for one line item in the order they were earned.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt
from lti_tool.grades.models import DEAD, PENDING, SENT, GradeScore
from lti_tool.lti import claims as c
from lti_tool.lti.registry import find_platform
from lti_tool.models import LaunchSession, Platform
from xapi.lrs.formats import whole_number
from xapi.queue import TEXT_LIMIT, Leasing, QueueTable, answer_text, settle, status, utcnow
from xapi.queue.lease import connection_of

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
COLUMN_TAG = "leadpath-self-assessment"
# On leadpath's columns: the gradebook may open a learner's completed attempt in leadpath
# (LTI Submission Review: an LtiSubmissionReviewRequest launch).
SUBMISSION_REVIEW = {"reviewable_status": ["Completed"], "label": "Open in leadpath"}
MAX_POINTS = 10_000

_g = GradeScore.__table__.c
SCORES = QueueTable(
    table=GradeScore.__table__,
    id=_g.id,
    order=_g.id,
    key=_g.lane,
    status=_g.status,
    token=_g.lease_owner,
    until=_g.leased_until,
    due=_g.next_attempt_at,
    attempts=_g.attempts,
    error=_g.last_error,
    pending=PENDING,
    done=SENT,
    dead=DEAD,
)


class LeasedScore(NamedTuple):
    """A leased row, as the sender needs it outside the leasing transaction."""

    id: int
    order: int
    lane: str
    platform_id: int
    lineitem: str
    line_item: dict | None
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


def grade_maximum(custom: dict | None) -> int | None:
    """Return the points of the activity's own gradebook column (`grade_maximum`), if set."""
    value = str((custom or {}).get("grade_maximum") or "").strip()
    points = whole_number(value, 6)
    if points is None or not 1 <= points <= MAX_POINTS:
        return None
    return points


def own_line_item(claims: dict) -> dict | None:
    """Return the gradebook column leadpath makes for an activity set to grade, or None.

    It is made when the platform gave its `lineitems` URL and the line item scope but no
    `lineitem`. The activity is set to grade by its custom parameter `grade_maximum` (points,
    as the deep linking page sets it, with `grade_label` and `grade_resource_id`).
    """
    endpoint = claims.get(c.AGS_ENDPOINT)
    if not isinstance(endpoint, dict):
        return None
    scopes = endpoint.get("scope") or []
    lineitems = endpoint.get("lineitems")
    custom = claims.get(c.CUSTOM) or {}
    maximum = grade_maximum(custom)
    link_id = (claims.get(c.RESOURCE_LINK) or {}).get("id")
    if SCORE_SCOPE not in scopes or LINEITEM_SCOPE not in scopes or maximum is None:
        return None
    if not isinstance(lineitems, str) or not lineitems or not link_id:
        return None
    title = (claims.get(c.RESOURCE_LINK) or {}).get("title")
    return {
        "lineitems": lineitems,
        "resourceId": str(custom.get("grade_resource_id") or f"leadpath:{link_id}")[:255],
        "resourceLinkId": str(link_id),
        "label": str(custom.get("grade_label") or title or "Leadership self-assessment")[:255],
        "scoreMaximum": maximum,
        "tag": COLUMN_TAG,
        "submissionReview": {
            "reviewableStatus": SUBMISSION_REVIEW["reviewable_status"],
            "label": SUBMISSION_REVIEW["label"],
        },
    }


def score_body(user_id: str, attempt: Attempt) -> dict:
    """Return the AGS score (application/vnd.ims.lis.v1.score+json) of a completed attempt.

    `scoreGiven` is the attempt's grade in percent (see framework/SCORING.md#grades); the
    comment says what it counts.
    """
    score = Decimal(str(attempt.score))
    percent = (score * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    graded = (attempt.result or {}).get("grade")
    if graded:  # e.g. "5 of 8 elements meet or exceed the stage expected at this career phase."
        what = graded["note"]
    else:  # a result stored before grade modes: mean attained stage / highest stage
        max_stage = framework_of(attempt.framework_version).max_stage
        mean = (score * max_stage).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        what = f"mean stage {mean} of {max_stage}"
    return {
        "userId": user_id,
        "scoreGiven": float(percent),
        "scoreMaximum": 100,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": attempt.completed_at.isoformat(timespec="milliseconds"),
        "comment": f"Leadership self-assessment: {what}",
    }


def queue_grade(session: Session, launch: LaunchSession, attempt: Attempt) -> GradeScore | None:
    """Queue the attempt's score for the launch's line item, in the caller's transaction.

    The score goes to the launch's `lineitem`; without one, to the column leadpath makes in
    the platform's `lineitems` for an activity set to grade (`own_line_item`, found or made by
    the sender). Nothing is queued without the AGS score scope, without either, without a
    score, or for an unregistered platform.
    """
    claims = launch.claims or {}
    lineitem = score_lineitem(claims)
    line_item = None if lineitem else own_line_item(claims)
    if (lineitem or line_item) is None or attempt.score is None or not claims.get("sub"):
        return None
    platform = _platform(session, claims)
    if platform is None:
        return None
    user_id = str(claims["sub"])
    column = lineitem or f"{line_item['lineitems']}\n{line_item['resourceId']}"
    row = GradeScore(
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        lineitem=lineitem or "",
        line_item=line_item,
        user_id=user_id,
        lane=lane_of(platform.id, column, user_id),
        attempt_id=attempt.id,
        body=score_body(user_id, attempt),
        status=PENDING,
        attempts=0,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


def _leasing(postgresql: bool) -> Leasing:
    return Leasing(
        SCORES,
        postgresql=postgresql,
        returning=(_g.platform_id, _g.lineitem, _g.line_item, _g.body, _g.attempts),
        make=LeasedScore._make,
        heads_only=True,
    )


_LEASING = {False: _leasing(False), True: _leasing(True)}


def lease_due(
    session: Session, token: str, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[LeasedScore]:
    """Lease up to `limit` due rows that head their lane under `token` (unique to this lease)."""
    postgresql = connection_of(session).dialect.name == "postgresql"
    lease = _LEASING[postgresql].lease(
        session, token=token, batch_size=limit, lease_seconds=lease_seconds, now=now
    )
    return [] if lease is None else lease.rows


def mark_sent(
    session: Session, row_id: int, token: str, status: int, text: str, lineitem: str = ""
) -> None:
    """Record that the platform accepted the score (and the column found for it, if any)."""
    settle.done(
        session,
        SCORES,
        row_id,
        token,
        **({"lineitem": lineitem} if lineitem else {}),
        attempts=_g.attempts + 1,
        response_status=status,
        response_text=text[:TEXT_LIMIT],
        finished_at=utcnow(),
    )


def mark_dead(session: Session, row_id: int, token: str, status: int, text: str) -> None:
    """Dead-letter a score the platform refused for good, keeping its answer."""
    settle.dead(
        session,
        SCORES,
        row_id,
        token,
        answer_text(status, text),
        response_status=status,
        response_text=text[:TEXT_LIMIT],
        finished_at=utcnow(),
    )


def mark_retry(
    session: Session, row_id: int, token: str, error: str | None, when: datetime
) -> None:
    """Keep the score pending until `when`; with an `error`, count a failed attempt."""
    if error is None:
        settle.postpone(session, SCORES, [row_id], token, when)
    else:
        settle.retry(session, SCORES, [row_id], token, error, when)


def grade_status(session: Session, now: datetime | None = None) -> dict:
    """Return pending, sent and dead counts per platform, oldest pending age, dead letters."""
    now = now or utcnow()
    g = GradeScore
    by = [_g.platform_id, _g.issuer, _g.client_id]
    oldest = status.oldest_pending(session, SCORES, by, _g.created_at, now)
    platforms: dict[int, dict] = {}
    for (platform_id, issuer, client_id), counted in sorted(
        status.counts(session, SCORES, by).items()
    ):
        seconds = oldest.get((platform_id, issuer, client_id))
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
        entry.update(counted)
        if seconds is not None:
            entry["oldest_pending_seconds"] = round(seconds, 1)
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


def retry_grades(session: Session, *, dead: bool = False) -> dict:
    """Make waiting scores due now; with `dead`, re-queue refused ones not superseded.

    A dead score is superseded when a later score of its lane is pending or was sent:
    re-sending it would overwrite the newer grade.
    """
    now = utcnow()
    due = settle.make_due(session, SCORES, now)
    requeued = superseded = 0
    if dead:
        later = GradeScore.__table__.alias("later").c
        newer = exists().where(
            later.lane == _g.lane, later.id > _g.id, later.status.in_((PENDING, SENT))
        )
        superseded = session.scalar(select(func.count()).where(_g.status == DEAD, newer))
        requeued = settle.requeue_dead(session, SCORES, now, [~newer], finished_at=None)
    return {"due_now": due, "requeued": requeued, "superseded": superseded}
