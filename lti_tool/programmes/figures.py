"""The programme view's figures, built once for the page, its CSV and `leadpath report programme`.

Trainees are the learners of the programme's courses (launched as a learner, or holding an
attempt there). What a lead sees of each: records made in the programme's scope, plus records
made elsewhere only when the trainee agreed to share their linked history. Columns only are
read for every attempt; a stored result is read only for each trainee's latest completed one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.phases import expected_profile
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import COMPLETED, SELF, Attempt, FrameworkVersion, Validation
from lti_tool.lti.roles import LEARNER
from lti_tool.models import Course, Membership, Platform, PlatformUser, utcnow
from lti_tool.programmes.models import HistoryConsent, Programme
from lti_tool.programmes.service import scope_condition

CHUNK = 900  # ids per IN (...) list, within every database's limit
NOT_STARTED, OVERDUE, IN_PROGRESS, UP_TO_DATE = "not_started", "overdue", "in_progress", "current"
STATUS_TEXT = {
    NOT_STARTED: "Not started",
    OVERDUE: "Overdue",
    IN_PROGRESS: "In progress",
    UP_TO_DATE: "Up to date",
}
STANDING_TEXT = {"below": "Below expected", "meets": "Meets expected", "above": "Above expected"}
CSV_HEADER = [
    "Trainee",
    "Institution",
    "Career phase",
    "Status",
    "Against the phase's expectation",
    "Domains below expected",
    "Latest completed",
    "Overall %",
    "Validations outstanding",
    "Linked history shared",
]


@dataclass
class Visit:
    """One attempt as the programme view needs it (no stored result)."""

    id: str
    learner_id: str
    kind: str
    status: str
    course_id: int | None
    career_phase: str | None
    started_at: datetime
    completed_at: datetime | None
    score: float | None
    framework_version_id: int
    in_scope: bool
    validated: bool = False


@dataclass
class Trainee:
    """One trainee's row."""

    learner_id: str
    name: str
    institution: str
    issuers: set[str] = field(default_factory=set)
    courses: set[int] = field(default_factory=set)
    first_seen: datetime | None = None
    shared: bool = False
    visits: list[Visit] = field(default_factory=list)
    phase: str | None = None
    status: str = NOT_STARTED
    standing: str | None = None
    below: list[str] = field(default_factory=list)
    latest: Visit | None = None
    outstanding: int = 0

    @property
    def status_text(self) -> str:
        """Return the status in words."""
        return STATUS_TEXT[self.status]

    @property
    def standing_text(self) -> str:
        """Return where the trainee stands in words."""
        if self.standing is None:
            return "No completed self-assessment" if self.latest is None else "No expectation"
        return STANDING_TEXT[self.standing]

    def csv_row(self) -> list:
        """Return the trainee's CSV row."""
        latest = self.latest
        return [
            self.name,
            self.institution,
            self.phase or "",
            self.status_text,
            self.standing_text,
            "; ".join(self.below),
            latest.completed_at.date().isoformat() if latest else "",
            round((latest.score or 0) * 100) if latest else "",
            self.outstanding,
            "yes" if self.shared else "no",
        ]


@dataclass
class ProgrammeOverview:
    """The programme's trainees (filtered) and the choices each filter offers."""

    programme: Programme
    trainees: list[Trainee]
    phases: list[str]
    institutions: dict[str, str]  # issuer -> name
    courses: dict[int, str]  # course id -> title

    @property
    def counts(self) -> dict[str, int]:
        """Return the headline figures."""
        t = self.trainees
        return {
            "trainees": len(t),
            "not_started": sum(1 for x in t if x.status == NOT_STARTED),
            "overdue": sum(1 for x in t if x.status == OVERDUE),
            "below_expected": sum(1 for x in t if x.standing == "below"),
            "validations_outstanding": sum(x.outstanding for x in t),
        }

    def progression(self) -> list[dict]:
        """Return per year: self-assessments completed, trainees completing, mean overall %."""
        years: dict[int, list[Visit]] = defaultdict(list)
        for trainee in self.trainees:
            for visit in trainee.visits:
                if visit.kind == SELF and visit.status == COMPLETED and visit.completed_at:
                    years[visit.completed_at.year].append(visit)
        out = []
        for year in sorted(years):
            visits = years[year]
            scores = [v.score for v in visits if v.score is not None]
            out.append(
                {
                    "year": year,
                    "completed": len(visits),
                    "trainees": len({v.learner_id for v in visits}),
                    "validated": sum(1 for v in visits if v.validated),
                    "mean_overall": round(100 * sum(scores) / len(scores)) if scores else None,
                }
            )
        return out

    def csv_rows(self) -> list[list]:
        """Return one CSV row per trainee, in the page's order."""
        return [t.csv_row() for t in self.trainees]

    def as_json(self) -> dict:
        """Return the figures as JSON-ready data (what `leadpath report programme` prints)."""
        return {
            "programme": self.programme.slug,
            "counts": self.counts,
            "trainees": [dict(zip(CSV_HEADER, r, strict=True)) for r in self.csv_rows()],
            "progression": self.progression(),
        }


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def programme_overview(
    session: Session,
    programme: Programme,
    *,
    phase: str | None = None,
    institution: str | None = None,
    course: int | None = None,
    overdue_days: int = 365,
    now: datetime | None = None,
) -> ProgrammeOverview:
    """Return the programme's trainees with their figures, filtered as asked."""
    now = now or utcnow()
    scoped = {
        row.id: row
        for row in session.execute(
            select(Course.id, Course.issuer, Course.title, Course.context_id).where(
                scope_condition(programme)
            )
        )
    }
    names = dict(session.execute(select(Platform.issuer, Platform.name)).all())
    user_ids: set[int] = set()
    trainee_courses: dict[str, set[int]] = defaultdict(set)
    by_user: dict[int, set[int]] = defaultdict(set)
    for ids in _chunks(scoped):
        for user_id, course_id, roles in session.execute(
            select(Membership.platform_user_id, Membership.course_id, Membership.roles).where(
                Membership.course_id.in_(ids)
            )
        ):
            if LEARNER in (roles or []):
                user_ids.add(user_id)
                by_user[user_id].add(course_id)
        for learner_id, user_id, course_id in session.execute(
            select(Attempt.learner_id, Attempt.platform_user_id, Attempt.course_id)
            .where(Attempt.course_id.in_(ids))
            .distinct()
        ):
            trainee_courses[learner_id].add(course_id)
            user_ids.add(user_id)
    people = {}
    person_columns = (
        PlatformUser.id,
        PlatformUser.issuer,
        PlatformUser.sub,
        PlatformUser.learner_id,
        PlatformUser.name,
        PlatformUser.given_name,
        PlatformUser.family_name,
        PlatformUser.created_at,
        PlatformUser.last_launch_at,
    )
    for ids in _chunks(user_ids):
        for user in session.execute(select(*person_columns).where(PlatformUser.id.in_(ids))):
            people[user.id] = user
            trainee_courses[user.learner_id] |= by_user.get(user.id, set())
    trainees: dict[str, Trainee] = {}
    for user in sorted(people.values(), key=lambda u: u.last_launch_at, reverse=True):
        trainee = trainees.get(user.learner_id)
        if trainee is None:
            trainee = trainees[user.learner_id] = Trainee(
                user.learner_id, _name(user), names.get(user.issuer) or user.issuer
            )
        trainee.issuers.add(user.issuer)
        if trainee.first_seen is None or user.created_at < trainee.first_seen:
            trainee.first_seen = user.created_at
    for learner_id, courses in trainee_courses.items():
        if learner_id in trainees:
            trainees[learner_id].courses |= courses
    _load_visits(session, trainees, scoped)
    for trainee in trainees.values():
        _judge(trainee, now - timedelta(days=overdue_days))
    _standings(session, trainees)
    everyone = sorted(trainees.values(), key=lambda t: (t.name.lower(), t.learner_id))
    chosen = [
        t
        for t in everyone
        if (phase is None or t.phase == phase)
        and (institution is None or institution in t.issuers)
        and (course is None or course in t.courses)
    ]
    return ProgrammeOverview(
        programme,
        chosen,
        sorted({t.phase for t in everyone if t.phase}),
        {i: names.get(i) or i for t in everyone for i in t.issuers},
        {cid: (row.title or row.context_id) for cid, row in scoped.items()},
    )


def _name(user) -> str:
    """Return the name the platform sent (a row of PlatformUser columns), or a fallback."""
    full = " ".join(p for p in (user.given_name, user.family_name) if p)
    return user.name or full or "Learner " + user.sub


def _load_visits(session: Session, trainees: dict[str, Trainee], scoped: dict) -> None:
    """Attach every attempt the programme may see to its trainee."""
    shared = set()
    for ids in _chunks(trainees):
        shared |= set(
            session.scalars(
                select(HistoryConsent.learner_id).where(
                    HistoryConsent.learner_id.in_(ids), HistoryConsent.agreed.is_(True)
                )
            )
        )
    columns = (
        Attempt.id,
        Attempt.learner_id,
        Attempt.kind,
        Attempt.status,
        Attempt.course_id,
        Attempt.career_phase,
        Attempt.started_at,
        Attempt.completed_at,
        Attempt.score,
        Attempt.framework_version_id,
    )
    completed = {}
    for ids in _chunks(trainees):
        for row in session.execute(select(*columns).where(Attempt.learner_id.in_(ids))):
            in_scope = row.course_id in scoped
            if not in_scope and row.learner_id not in shared:
                continue
            visit = Visit(*row, in_scope=in_scope)
            trainees[row.learner_id].visits.append(visit)
            if visit.kind == SELF and visit.status == COMPLETED:
                completed[visit.id] = visit
    for ids in _chunks(completed):
        for attempt_id in session.scalars(
            select(Validation.attempt_id).where(
                Validation.attempt_id.in_(ids), Validation.signed_off_at.is_not(None)
            )
        ):
            completed[attempt_id].validated = True
    for learner_id in shared & trainees.keys():
        trainees[learner_id].shared = True
    for trainee in trainees.values():
        trainee.visits.sort(key=lambda v: (v.completed_at or v.started_at, v.id))


def _judge(trainee: Trainee, overdue_before: datetime) -> None:
    """Work out the trainee's phase, status and outstanding validations."""
    selfs = [v for v in trainee.visits if v.kind == SELF]
    phased = [v for v in trainee.visits if v.career_phase]
    trainee.phase = phased[-1].career_phase if phased else None
    done = [v for v in selfs if v.status == COMPLETED]
    trainee.outstanding = sum(1 for v in done if not v.validated)
    trainee.latest = done[-1] if done else None
    if not selfs:
        seen = trainee.first_seen
        trainee.status = OVERDUE if seen and seen < overdue_before else NOT_STARTED
    elif trainee.latest is None:
        seen = trainee.first_seen
        trainee.status = OVERDUE if seen and seen < overdue_before else IN_PROGRESS
    else:
        stale = trainee.latest.completed_at < overdue_before
        trainee.status = OVERDUE if stale else UP_TO_DATE


def _standings(session: Session, trainees: dict[str, Trainee]) -> None:
    """Compare each trainee's latest completed self-assessment with their phase's expectation."""
    judged = {t.latest.id: t for t in trainees.values() if t.latest and t.phase}
    frameworks = {}
    for ids in _chunks(judged):
        for attempt_id, domains, version_id in session.execute(
            select(Attempt.id, Attempt.result["domains"], Attempt.framework_version_id).where(
                Attempt.id.in_(ids)
            )
        ):
            if version_id not in frameworks:
                frameworks[version_id] = framework_of(session.get(FrameworkVersion, version_id))
            _standing(judged[attempt_id], frameworks[version_id], {"domains": domains or {}})


def _standing(trainee: Trainee, framework, result: dict) -> None:
    try:
        expected = expected_profile(trainee.phase, framework=framework)
    except KeyError:
        return
    statuses = []
    for domain in framework.domains:
        stored = (result.get("domains") or {}).get(domain.id)
        want = expected.get(domain.id)
        if not stored or stored.get("minimum") is None or want is None:
            continue
        got = stored["minimum"]
        statuses.append("below" if got < want else "above" if got > want else "meets")
        if got < want:
            trainee.below.append(domain.title)
    if statuses:
        trainee.standing = (
            "below" if "below" in statuses else "above" if set(statuses) == {"above"} else "meets"
        )
