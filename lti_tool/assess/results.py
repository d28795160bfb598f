"""A completed attempt's stored result, and the learner's history of results per framework."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.model import Framework
from framework.phases import expected_profile
from framework.profile import compare_with_phase, domain_profile, overall_score
from framework.scoring import ElementScore
from lti_tool.assess.models import COMPLETED, SELF, Attempt, FrameworkVersion, InstitutionSetting
from lti_tool.models import PlatformUser

STATUS_TEXT = {"below": "Below expected", "meets": "Meets expected", "above": "Above expected"}


def institution_overrides(session: Session, attempt: Attempt) -> dict | None:
    """Return the career-phase overrides of the institution the learner launched from."""
    user = session.get(PlatformUser, attempt.platform_user_id)
    setting = session.get(InstitutionSetting, user.issuer) if user else None
    return setting.phase_overrides if setting else None


def build_result(
    session: Session, attempt: Attempt, framework: Framework, scores: Mapping[str, ElementScore]
) -> dict:
    """Return the JSON result of a scored attempt: elements, domain profile, comparison."""
    phase = attempt.career_phase
    overrides = institution_overrides(session, attempt)
    element_cmp, domain_cmp, expected = {}, {}, {}
    if phase:
        element_cmp, domain_cmp = compare_with_phase(framework, scores, phase, overrides)
        expected = expected_profile(phase, overrides)
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
            "expected": expected.get(framework.element(path).domain_id),
            "status": cmp.status if cmp else None,
            "gap": cmp.gap if cmp else None,
        }
    domains = {}
    for domain_id, d in domain_profile(framework, scores).items():
        cmp = domain_cmp.get(domain_id)
        domains[domain_id] = {
            "mean": d.mean,
            "minimum": d.minimum,
            "assessed": d.assessed,
            "elements": d.elements,
            "expected": expected.get(domain_id),
            "status": cmp.status if cmp else None,
            "gap": cmp.gap if cmp else None,
        }
    return {
        "overall": overall_score(framework, scores),
        "career_phase": phase,
        "max_stage": framework.max_stage,
        "success": all(d["status"] != "below" for d in domains.values()),
        "elements": elements,
        "domains": domains,
    }


def domain_rows(framework: Framework, result: dict) -> list[dict]:
    """Return one row per assessed domain, in framework order, for the chart and its table."""
    rows = []
    for domain in framework.domains:
        stored = result["domains"].get(domain.id)
        if stored is None:
            continue
        status = stored.get("status")
        rows.append(
            {
                "id": domain.id,
                "title": domain.title,
                **stored,
                "status_text": STATUS_TEXT.get(status, "No expectation"),
            }
        )
    return rows


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
    """Return date, overall score and domain means per attempt, with the trend on the previous."""
    rows, previous = [], None
    for attempt in attempts:
        domains = (attempt.result or {}).get("domains", {})
        means = {d.id: (domains.get(d.id) or {}).get("mean") for d in framework.domains}
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
