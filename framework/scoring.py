"""Scoring of self-assessments against a framework (pure; see ``SCORING.md``).

Rule, per element:

1. Each indicator is rated on the framework's frequency scale (0 Never …
   4 Always); ``None`` means not rated ("don't know").
2. A stage is **demonstrated** when enough of its indicators were rated (at
   least one, and at least ``min_coverage`` of them, half by default) and the
   mean of the rated ones is at least ``scale.demonstrated_from`` (3, "Often").
   A stage for which the element defines no indicators is skipped: it is
   implied by a demonstrated stage above it, never credited on its own.
3. The **indicator stage** is the highest stage *s* such that every stage
   1..*s* is demonstrated; 0 means "not yet at stage 1". Stages demonstrated
   above a stage that was not are reported as ``gaps``.
4. A learner may also pick a stage. Both are reported; the score
   (``attained``) is the indicator stage unless no indicator of the element
   was rated, in which case it is the picked stage. With neither, the element
   was not assessed (``attained`` is ``None``).

Domain profile: per domain, the mean attained stage of its assessed elements
(2 decimals, halves rounded up) and the minimum. Overall score for LTI grades:
mean attained stage of all assessed elements divided by the highest stage.
Comparison with a career phase: an element is ``below``, ``meets`` or
``above`` the stage expected for its domain, with gap = attained - expected;
a domain is ``below`` if its minimum is below the expectation, ``above`` if
its minimum is above it, and otherwise ``meets``; its gap is mean - expected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .model import Element, Framework
from .phases import CareerPhase, Overrides, expected_profile

INDICATORS, PICKED = "indicators", "picked"


def round_half_up(value: Fraction | float, digits: int = 2) -> float:
    """Round to ``digits`` decimals, halves away from zero (2.125 → 2.13)."""
    exact = Fraction(value)
    dec = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(dec.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class StageEvidence:
    """How one stage of an element was rated."""

    stage: int
    indicators: int
    rated: int
    mean: float | None
    demonstrated: bool


@dataclass(frozen=True)
class ElementScore:
    """Score of one element; ``attained`` is the score (``None`` = not assessed)."""

    element: str
    attained: int | None
    basis: str | None
    indicator_stage: int | None
    picked_stage: int | None
    stages: tuple[StageEvidence, ...] = ()
    gaps: tuple[int, ...] = ()
    mean_rating: float | None = None

    @property
    def picked_minus_indicated(self) -> int | None:
        """How far the picked stage is above (+) or below (-) the indicator stage."""
        if self.picked_stage is None or self.indicator_stage is None:
            return None
        return self.picked_stage - self.indicator_stage


def score_element(
    framework: Framework,
    element_path: str,
    ratings: Mapping[str, int | None],
    picked_stage: int | None = None,
    *,
    min_coverage: float = 0.5,
) -> ElementScore:
    """Score one element from ratings ``{indicator id: value}`` and/or a picked stage."""
    element = framework.element(element_path)
    _check_ratings(framework, element, ratings)
    if picked_stage is not None and not 0 <= picked_stage <= framework.max_stage:
        raise ValueError(f"picked stage {picked_stage} is outside 0..{framework.max_stage}")
    threshold = framework.scale.demonstrated_from
    evidence, all_values = [], []
    for stage in framework.stage_numbers:
        values = [ratings.get(i.id) for i in element.indicators_for(stage)]
        given = [v for v in values if v is not None]
        all_values += given
        mean = Fraction(sum(given), len(given)) if given else None
        enough = bool(given) and len(given) >= math.ceil(len(values) * min_coverage)
        evidence.append(
            StageEvidence(
                stage,
                len(values),
                len(given),
                None if mean is None else round_half_up(mean),
                enough and mean >= threshold,
            )
        )
    indicator_stage = gaps = None
    if all_values:
        indicator_stage = 0
        for ev in evidence:
            if not ev.indicators:
                continue
            if not ev.demonstrated:
                break
            indicator_stage = ev.stage
        gaps = tuple(ev.stage for ev in evidence if ev.stage > indicator_stage and ev.demonstrated)
    if indicator_stage is not None:
        attained, basis = indicator_stage, INDICATORS
    elif picked_stage is not None:
        attained, basis = picked_stage, PICKED
    else:
        attained = basis = None
    return ElementScore(
        element=element.path,
        attained=attained,
        basis=basis,
        indicator_stage=indicator_stage,
        picked_stage=picked_stage,
        stages=tuple(evidence),
        gaps=gaps or (),
        mean_rating=round_half_up(Fraction(sum(all_values), len(all_values)))
        if all_values
        else None,
    )


def _check_ratings(
    framework: Framework, element: Element, ratings: Mapping[str, int | None]
) -> None:
    own = {i.id for i in element.indicators}
    allowed = {p.value for p in framework.scale.points}
    for indicator_id, value in ratings.items():
        if indicator_id not in own:
            raise ValueError(f"indicator {indicator_id!r} does not belong to {element.path!r}")
        if value is not None and (isinstance(value, bool) or value not in allowed):
            raise ValueError(f"rating {value!r} for {indicator_id!r} is not on the scale")


def score_assessment(
    framework: Framework,
    ratings: Mapping[str, int | None],
    picked: Mapping[str, int | None] | None = None,
    elements: Iterable[str] | None = None,
    *,
    min_coverage: float = 0.5,
) -> dict[str, ElementScore]:
    """Score a whole assessment.

    ``ratings`` maps indicator ids (of any element) to values; ``picked`` maps
    element paths to self-picked stages. Scores are returned, in framework
    order, for ``elements`` if given, else for every element rated or picked.
    """
    picked = picked or {}
    by_element: dict[str, dict[str, int | None]] = {}
    for indicator_id, value in ratings.items():
        path = framework.indicator(indicator_id).element_path
        by_element.setdefault(path, {})[indicator_id] = value
    wanted = set(elements) if elements is not None else set(by_element) | set(picked)
    for path in wanted:
        framework.element(path)
    return {
        e.path: score_element(
            framework,
            e.path,
            by_element.get(e.path, {}),
            picked.get(e.path),
            min_coverage=min_coverage,
        )
        for e in framework.elements()
        if e.path in wanted
    }


@dataclass(frozen=True)
class DomainScore:
    """Profile of one domain over its assessed elements."""

    domain: str
    mean: float
    minimum: int
    assessed: int
    elements: int


def _assessed(scores: Mapping[str, ElementScore]) -> dict[str, int]:
    return {p: s.attained for p, s in scores.items() if s.attained is not None}


def domain_profile(
    framework: Framework, scores: Mapping[str, ElementScore]
) -> dict[str, DomainScore]:
    """Mean (2 decimals) and minimum attained stage per domain with any assessed element."""
    attained = _assessed(scores)
    profile = {}
    for domain in framework.domains:
        values = [attained[e.path] for e in domain.elements if e.path in attained]
        if values:
            mean = round_half_up(Fraction(sum(values), len(values)))
            profile[domain.id] = DomainScore(
                domain.id, mean, min(values), len(values), len(domain.elements)
            )
    return profile


def overall_score(framework: Framework, scores: Mapping[str, ElementScore]) -> float | None:
    """Mean attained stage over assessed elements / highest stage, in 0..1 (4 decimals)."""
    values = list(_assessed(scores).values())
    if not values:
        return None
    return round_half_up(Fraction(sum(values), len(values) * framework.max_stage), 4)


@dataclass(frozen=True)
class Comparison:
    """An element or domain measured against an expected stage."""

    id: str
    expected: int | None
    actual: float | None
    status: str | None
    gap: float | None


def _status(value: float, expected: int) -> str:
    return "below" if value < expected else "above" if value > expected else "meets"


def compare_with_expected(
    framework: Framework,
    scores: Mapping[str, ElementScore],
    expected: Mapping[str, int | None],
) -> tuple[dict[str, Comparison], dict[str, Comparison]]:
    """Compare with ``{domain id: expected stage}``; return (elements, domains).

    Status and gap are ``None`` where nothing is expected or nothing assessed.
    """
    attained = _assessed(scores)
    elements = {}
    for element in framework.elements():
        if element.path not in scores:
            continue
        want, got = expected.get(element.domain_id), attained.get(element.path)
        known = want is not None and got is not None
        elements[element.path] = Comparison(
            element.path,
            want,
            got,
            _status(got, want) if known else None,
            got - want if known else None,
        )
    domains = {}
    for domain_id, ds in domain_profile(framework, scores).items():
        want = expected.get(domain_id)
        known = want is not None
        domains[domain_id] = Comparison(
            domain_id,
            want,
            ds.mean,
            _status(ds.minimum, want) if known else None,
            round_half_up(Fraction(ds.mean) - want) if known else None,
        )
    return elements, domains


def compare_with_phase(
    framework: Framework,
    scores: Mapping[str, ElementScore],
    phase: str | CareerPhase,
    overrides: Overrides | None = None,
) -> tuple[dict[str, Comparison], dict[str, Comparison]]:
    """Compare with the stages expected at a career phase (institution overrides win)."""
    return compare_with_expected(framework, scores, expected_profile(phase, overrides))
