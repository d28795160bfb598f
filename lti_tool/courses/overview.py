"""The course view's figures: each learner's status, a domains × stages heatmap, who is below.

One function builds them, so the page, its CSV and `leadpath report course` show the same
numbers. A learner's status is the furthest their self-assessments got: not started, in
progress, completed, or validated (a supervisor signed the latest completed one off). A
domain's stage is the one the latest completed self-assessment attained there (its weakest
element, the measure the comparison with the career phase uses).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from framework.model import Framework
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import COMPLETED
from lti_tool.course_roster import RosterRow, course_roster
from lti_tool.courses.models import RosterMember

NOT_STARTED, IN_PROGRESS, DONE, VALIDATED = "not_started", "in_progress", "completed", "validated"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, VALIDATED)
STATUS_TEXT = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    DONE: "Completed",
    VALIDATED: "Validated",
}
CSV_HEADER = [
    "Learner",
    "On the platform's roster",
    "Status",
    "Career phase",
    "Completed on",
    "Overall %",
    "Domains below expected",
    "360 raters answered",
    "Validated on",
]


@dataclass
class LearnerStatus:
    """A roster row with its status, stage per domain and the domains below expectation."""

    row: RosterRow
    status: str
    stages: dict[str, int] = field(default_factory=dict)
    below: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        """Return the status in words."""
        return STATUS_TEXT[self.status]


def stage_heading(stage: int) -> str:
    """Return a heatmap column's heading."""
    return f"Stage {stage}" if stage else "Before stage 1"


@dataclass
class Heatmap:
    """How many learners attained each stage in each domain of one framework."""

    framework: Framework
    counts: dict[str, Counter] = field(default_factory=dict)

    @property
    def stages(self) -> list[int]:
        """Return the stage numbers, first to last (0: not yet at the first stage)."""
        return list(range(0, self.framework.max_stage + 1))

    @property
    def headings(self) -> list[str]:
        """Return the table's column headings."""
        return ["Domain", *(stage_heading(s) for s in self.stages), "Assessed"]

    @property
    def peak(self) -> int:
        """Return the largest cell, for shading."""
        return max((n for c in self.counts.values() for n in c.values()), default=0)

    def rows(self) -> list[tuple]:
        """Return (domain id, title, [count per stage], assessed) in framework order."""
        out = []
        for domain in self.framework.domains:
            counts = self.counts.get(domain.id, Counter())
            out.append(
                (domain.id, domain.title, [counts[s] for s in self.stages], sum(counts.values()))
            )
        return out


@dataclass
class CourseOverview:
    """Everything the course view shows about its learners."""

    learners: list[LearnerStatus]
    heatmaps: list[Heatmap]

    @property
    def counts(self) -> dict[str, int]:
        """Return the number of learners per status, every status present."""
        found = Counter(s.status for s in self.learners)
        return {status: found[status] for status in STATUSES}

    @property
    def below(self) -> list[LearnerStatus]:
        """Return the learners below the expected stage in at least one domain."""
        return [s for s in self.learners if s.below]

    def csv_rows(self) -> list[list]:
        """Return one CSV row per learner, in the page's order."""
        rows = []
        for s in self.learners:
            done, validation = s.row.self_completed, s.row.validation
            rows.append(
                [
                    s.row.name,
                    "yes" if s.row.in_roster else "no",
                    s.status_text,
                    (done.career_phase or "") if done else "",
                    done.completed_at.date().isoformat() if done else "",
                    round((done.score or 0) * 100) if done else "",
                    "; ".join(s.below),
                    s.row.raters if s.row.feedback else "",
                    validation.signed_off_at.date().isoformat()
                    if validation and validation.signed_off_at
                    else "",
                ]
            )
        return rows

    def as_json(self) -> dict:
        """Return the figures as JSON-ready data (what `leadpath report course` prints)."""
        return {
            "learners": [dict(zip(CSV_HEADER, row, strict=True)) for row in self.csv_rows()],
            "counts": self.counts,
            "below_expected": len(self.below),
            "heatmaps": [
                {
                    "framework": h.framework.id,
                    "stages": h.stages,
                    "domains": {d: counts for d, _, counts, _ in h.rows()},
                }
                for h in self.heatmaps
            ],
        }


def status_of(row: RosterRow) -> str:
    """Return how far the learner's self-assessments got."""
    if row.self_completed is not None:
        signed = row.validation is not None and row.validation.signed_off_at is not None
        return VALIDATED if signed else DONE
    if row.self_latest is not None:
        return IN_PROGRESS
    return NOT_STARTED


def course_overview(
    session: Session, course_id: int, members: list[RosterMember] | None = None
) -> CourseOverview:
    """Return the course's learners with their status and the heatmaps of their stages."""
    learners, heatmaps = [], {}
    for row in course_roster(session, course_id, members):
        learner = LearnerStatus(row, status_of(row))
        done = row.self_completed
        if done is not None and done.status == COMPLETED:
            framework = framework_of(done.framework_version)
            heat = heatmaps.setdefault(framework.id, Heatmap(framework))
            for domain_id, stored in ((done.result or {}).get("domains") or {}).items():
                stage = stored.get("minimum")
                if stage is None:
                    continue
                learner.stages[domain_id] = stage
                heat.counts.setdefault(domain_id, Counter())[stage] += 1
                if stored.get("status") == "below":
                    learner.below.append(framework.domain(domain_id).title)
        learners.append(learner)
    return CourseOverview(learners, list(heatmaps.values()))
