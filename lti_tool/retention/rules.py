"""What each retention rule removes, found in batches and removed in the caller's transaction.

A rule `find`s up to `limit` rows past a cursor (rows it removes leave its condition, rows it
keeps are stepped over) and `apply`s its removal, returning how many rows it changed and what
to add to the tally (`models.PrunedRows`). `count` answers `leadpath prune --dry-run` in one
query where it can; the outbox's rule walks instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, case, delete, func, select, update

from lti_tool.assess.models import FeedbackInvitation
from lti_tool.grades.models import DEAD, SENT, GradeScore
from lti_tool.identity.models import LinkCode
from lti_tool.models import LaunchSession, LaunchState
from lti_tool.retention import models
from lti_tool.settings import Settings
from xapi.outbox import retention as outbox

Found = tuple[list[Any], Any]


@dataclass(frozen=True)
class Rule:
    """One kind of row removed once older than its period."""

    table: str
    what: str
    setting: str  # the Settings field holding the period
    unit: str  # "days" or "hours"
    find: Callable[[Connection, datetime, int, Any], Found]
    apply: Callable[[Connection, list[Any]], tuple[int, Counter]]
    count: Callable[[Connection, datetime], int] | None = None

    def period(self, settings: Settings) -> timedelta:
        """Return how long rows are kept, from the settings."""
        return timedelta(**{self.unit: getattr(settings, self.setting)})


def _walk(key: Column, where: Callable[[datetime], ColumnElement]):
    def find(conn: Connection, cutoff: datetime, limit: int, after: Any) -> Found:
        query = select(key).where(where(cutoff)).order_by(key).limit(limit)
        if after is not None:
            query = query.where(key > after)
        found = list(conn.scalars(query))
        return found, found[-1] if len(found) == limit else None

    return find


def _count(key: Column, where: Callable[[datetime], ColumnElement]):
    return lambda conn, cutoff: conn.scalar(
        select(func.count()).select_from(key.table).where(where(cutoff))
    )


def _delete(key: Column):
    def apply(conn: Connection, keys: list[Any]) -> tuple[int, Counter]:
        return conn.execute(delete(key.table).where(key.in_(keys))).rowcount, Counter()

    return apply


def _simple(table, what, setting, unit, key, where, apply=None) -> Rule:
    return Rule(
        table.name,
        what,
        setting,
        unit,
        _walk(key, where),
        apply or _delete(key),
        _count(key, where),
    )


# --- the outbox: delivered statements the embedded LRS holds
def _outbox_apply(conn: Connection, seqs: list[int]) -> tuple[int, Counter]:
    statements, per_destination = outbox.delete_statements(conn, seqs)
    tally = Counter({(models.OUTBOX_STATEMENTS, ""): statements})
    tally.update({(models.OUTBOX_DELIVERED, str(d)): n for d, n in per_destination.items()})
    return statements, tally


# --- grades: sent or refused scores
_grades = GradeScore.__table__.c


def _grades_finished(cutoff: datetime) -> ColumnElement:
    return _grades.status.in_((SENT, DEAD)) & (_grades.finished_at < cutoff)


def _grades_apply(conn: Connection, ids: list[int]) -> tuple[int, Counter]:
    gone = conn.execute(
        delete(GradeScore.__table__)
        .where(_grades.id.in_(ids), _grades.status.in_((SENT, DEAD)))
        .returning(_grades.issuer, _grades.status)
    ).all()
    kinds = {SENT: models.GRADES_SENT, DEAD: models.GRADES_DEAD}
    return len(gone), Counter((kinds[status], issuer) for issuer, status in gone)


# --- 360 raters' email addresses, once their round has closed
_invites = FeedbackInvitation.__table__.c


def _closed_rounds(cutoff: datetime):
    """Attempts whose every invitation was answered, withdrawn or expired before the cutoff."""
    ended = case(
        (_invites.submitted_at.is_not(None), _invites.submitted_at), else_=_invites.expires_at
    )
    return (
        select(_invites.attempt_id).group_by(_invites.attempt_id).having(func.max(ended) < cutoff)
    )


def _rater_emails(cutoff: datetime) -> ColumnElement:
    return _invites.email.is_not(None) & _invites.attempt_id.in_(_closed_rounds(cutoff))


def _forget_emails(conn: Connection, ids: list[str]) -> tuple[int, Counter]:
    changed = conn.execute(
        update(FeedbackInvitation.__table__)
        .where(_invites.id.in_(ids), _invites.email.is_not(None))
        .values(email=None)
    )
    return changed.rowcount, Counter()


_states = LaunchState.__table__.c
_sessions = LaunchSession.__table__.c
_codes = LinkCode.__table__.c

RULES: tuple[Rule, ...] = (
    Rule(
        "outbox_statement",
        "statements delivered to every LRS (and held by the embedded LRS)",
        "retain_delivered_statements_days",
        "days",
        outbox.find,
        _outbox_apply,
    ),
    _simple(
        LaunchState.__table__,
        "used and expired launch (login) states",
        "retain_launch_states_hours",
        "hours",
        _states.state,
        lambda cutoff: _states.expires_at < cutoff,
    ),
    _simple(
        LaunchSession.__table__,
        "expired launch sessions",
        "retain_sessions_days",
        "days",
        _sessions.token_hash,
        lambda cutoff: _sessions.expires_at < cutoff,
    ),
    _simple(
        LinkCode.__table__,
        "used and expired identity link codes",
        "retain_link_codes_days",
        "days",
        _codes.id,
        lambda cutoff: _codes.expires_at < cutoff,
    ),
    _simple(
        GradeScore.__table__,
        "scores sent to or refused by a platform",
        "retain_grades_days",
        "days",
        _grades.id,
        _grades_finished,
        _grades_apply,
    ),
    _simple(
        FeedbackInvitation.__table__,
        "raters' email addresses of closed 360 rounds",
        "retain_rater_emails_days",
        "days",
        _invites.id,
        _rater_emails,
        _forget_emails,
    ),
)
