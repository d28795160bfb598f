"""A completed attempt's stored result, and the learner's history of results per framework."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.grades import PHASE, grade
from framework.model import Framework
from framework.phases import expected_profile
from framework.profile import compare_with_phase, domain_profile, stage_text
from framework.scoring import ElementScore
from lti_tool.assess.models import COMPLETED, SELF, Attempt, FrameworkVersion, InstitutionSetting
from lti_tool.models import PlatformUser

STATUS_TEXT = {"below": "Below expected", "meets": "Meets expected", "above": "Above expected"}


def overrides_of(session: Session, issuer: str | None) -> dict | None:
    """Return the career-phase overrides an institution (platform issuer) has set."""
    setting = session.get(InstitutionSetting, issuer) if issuer else None
    return setting.phase_overrides if setting else None


def institution_overrides(session: Session, attempt: Attempt) -> dict | None:
    """Return the career-phase overrides of the institution the learner launched from."""
    user = session.get(PlatformUser, attempt.platform_user_id)
    return overrides_of(session, user.issuer if user else None)


def build_result(
    session: Session,
    attempt: Attempt,
    framework: Framework,
    scores: Mapping[str, ElementScore],
    grade_mode: str | None = None,
) -> dict:
    """Return the JSON result of a scored attempt: grade, elements, domain profile, comparison.

    ``overall`` is the gradebook score: ``grade`` in ``grade_mode`` (default ``phase``) over
    the attempt's domains (see ``SCORING.md#grades``).
    """
    phase = attempt.career_phase
    overrides = institution_overrides(session, attempt)
    element_cmp, domain_cmp, expected = {}, {}, {}
    if phase:
        element_cmp, domain_cmp = compare_with_phase(framework, scores, phase, overrides)
        expected = expected_profile(phase, overrides, framework=framework)
    graded = grade(
        framework,
        scores,
        grade_mode or PHASE,
        phase=phase or None,
        overrides=overrides,
        domains=attempt.domains or None,
    )
    elements = {}
    for path, s in scores.items():
        cmp = element_cmp.get(path)
        elements[path] = {
            "attained": s.attained,
            "basis": s.basis,
            "indicator_stage": s.indicator_stage,
            "picked_stage": s.picked_stage,
            "gaps": list(s.gaps),
            "mean_rating": s.mean_rating,
            "not_applicable": s.not_applicable,
            "expected": expected.get(framework.element(path).domain_id),
            "status": cmp.status if cmp else None,
            "gap": cmp.gap if cmp else None,
        }
    domains = {}
    for domain_id, d in domain_profile(framework, scores).items():
        cmp = domain_cmp.get(domain_id)
        domains[domain_id] = {
            "mean": d.mean,
            "median": d.median,
            "minimum": d.minimum,
            "maximum": d.maximum,
            "assessed": d.assessed,
            "elements": d.elements,
            "not_applicable": d.not_applicable,
            "expected": expected.get(domain_id),
            "status": cmp.status if cmp else None,
            "gap": cmp.gap if cmp else None,
        }
    return {
        "overall": graded.score,
        "grade": {
            "mode": graded.mode,
            "requested": graded.requested,
            "score": graded.score,
            "numerator": graded.numerator,
            "denominator": graded.denominator,
            "note": graded.note,
        },
        "career_phase": phase,
        "max_stage": framework.max_stage,
        "success": all(d["status"] != "below" for d in domains.values()),
        "elements": elements,
        "domains": domains,
    }


def _median(stored: dict) -> float | None:
    """A stored domain's median stage (results stored before medians give their mean)."""
    value = stored.get("median")
    return stored.get("mean") if value is None else value


def range_text(low: int | None, high: int | None) -> str:
    """A range of stages as text: "2" or "1–3" (empty when unknown)."""
    if low is None:
        return ""
    return str(low) if high is None or high == low else f"{low}–{high}"


def domain_rows(framework: Framework, result: dict) -> list[dict]:
    """Return one row per assessed domain, in framework order, for the chart and its table.

    Each row gives the median stage (``median``, read as words in ``median_text``), the range
    of stages (``range_text``), and status and gap measured on the weakest element.
    """
    rows = []
    for domain in framework.domains:
        stored = result["domains"].get(domain.id)
        if stored is None:
            continue
        status = stored.get("status")
        median = _median(stored)
        rows.append(
            {
                "id": domain.id,
                "title": domain.title,
                **stored,
                "median": median,
                "median_text": stage_text(median).capitalize(),
                "range_text": range_text(stored.get("minimum"), stored.get("maximum")),
                "status_text": STATUS_TEXT.get(status, "No expectation"),
            }
        )
    return rows


def grade_text(result: dict | None, score: float | None) -> str:
    """The gradebook score in words: "63%: 5 of 8 elements meet … at this career phase."."""
    if score is None:
        return "No score (nothing in this assessment could be graded)"
    percent = f"{score * 100:.0f}%"
    graded = (result or {}).get("grade")
    if not graded:
        return f"{percent} (mean stage attained ÷ highest stage; recorded before grade modes)"
    return f"{percent}: {graded['note']}"


def completed_history(session: Session, learner_id: str, framework_id: str) -> list[Attempt]:
    """Return the learner's completed self-assessments under a framework, oldest first.

    Only self-assessments are scored; a 360's self rating is completed too, but has no score.
    """
    return list(
        session.scalars(
            select(Attempt)
            .join(FrameworkVersion, Attempt.framework_version_id == FrameworkVersion.id)
            .where(
                Attempt.learner_id == learner_id,
                Attempt.kind == SELF,
                Attempt.status == COMPLETED,
                FrameworkVersion.framework_id == framework_id,
            )
            .order_by(Attempt.completed_at, Attempt.id)
        )
    )


def _trend(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return "up" if now > before else "down" if now < before else "same"


def history_rows(framework: Framework, attempts: list[Attempt]) -> list[dict]:
    """Return date, grade and domain medians per attempt, with the trend on the previous."""
    rows, previous = [], None
    for attempt in attempts:
        domains = (attempt.result or {}).get("domains", {})
        means = {d.id: _median(domains.get(d.id) or {}) for d in framework.domains}
        row = {
            "attempt": attempt,
            "overall": attempt.score,
            "overall_trend": _trend(attempt.score, previous and previous["overall"]),
            "means": means,
            "trends": {
                d: _trend(m, previous["means"].get(d) if previous else None)
                for d, m in means.items()
            },
        }
        rows.append(row)
        previous = row
    return rows
