"""Scoring of self-assessments against a framework (pure; see ``SCORING.md``).

Rule, per element:

1. Each indicator is rated on the framework's frequency scale (0 Never …
   4 Always), or answered "Not sure" (``None`` or ``"not-sure"``) or "Not
   applicable to my role" (``"not-applicable"``).
2. An indicator answered "Not applicable" is taken out of its stage: it counts
   neither towards coverage nor towards the mean. A stage whose indicators
   are all not applicable is treated like a stage with no indicators.
3. A stage is **demonstrated** when enough of its applicable indicators were
   rated (at least one, and at least ``min_coverage`` of them, half by
   default) and the mean of the rated ones is at least
   ``scale.demonstrated_from`` (3, "Often"). "Not sure" counts as not rated.
   A stage with no applicable indicators is skipped: it is implied by a
   demonstrated stage above it, never credited on its own.
4. The **indicator stage** is the highest stage *s* such that every stage
   1..*s* is demonstrated; 0 means "not yet at stage 1". Stages demonstrated
   above a stage that was not are reported as ``gaps``.
5. A learner may also pick a stage. Both are reported; the score
   (``attained``) is the indicator stage unless no indicator of the element
   was rated, in which case it is the picked stage. With neither, the element
   was not assessed (``attained`` is ``None``); if every indicator was
   answered "Not applicable" the element is ``not_applicable``.

Domain profiles and comparison with a career phase are in ``profile``;
grades in ``grades``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .model import NOT_APPLICABLE, NOT_SURE, Element, Framework

INDICATORS, PICKED = "indicators", "picked"
Answer = int | str | None
"""A scale value, ``None`` / ``"not-sure"`` (Not sure) or ``"not-applicable"``."""


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
    not_applicable: int = 0

    @property
    def applicable(self) -> int:
        """Indicators of the stage not answered "Not applicable"."""
        return self.indicators - self.not_applicable


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
    not_applicable: bool = False

    @property
    def picked_minus_indicated(self) -> int | None:
        """How far the picked stage is above (+) or below (-) the indicator stage."""
        if self.picked_stage is None or self.indicator_stage is None:
            return None
        return self.picked_stage - self.indicator_stage


def score_element(
    framework: Framework,
    element_path: str,
    ratings: Mapping[str, Answer],
    picked_stage: int | None = None,
    *,
    min_coverage: float = 0.5,
) -> ElementScore:
    """Score one element from answers ``{indicator id: answer}`` and/or a picked stage."""
    element = framework.element(element_path)
    _check_ratings(framework, element, ratings)
    if picked_stage is not None and not 0 <= picked_stage <= framework.max_stage:
        raise ValueError(f"picked stage {picked_stage} is outside 0..{framework.max_stage}")
    threshold = framework.scale.demonstrated_from
    evidence, all_values = [], []
    for stage in framework.stage_numbers:
        answers = [ratings.get(i.id) for i in element.indicators_for(stage)]
        excluded = sum(1 for a in answers if a == NOT_APPLICABLE)
        applicable = len(answers) - excluded
        given = [a for a in answers if isinstance(a, int)]
        all_values += given
        mean = Fraction(sum(given), len(given)) if given else None
        enough = bool(given) and len(given) >= math.ceil(applicable * min_coverage)
        evidence.append(
            StageEvidence(
                stage,
                len(answers),
                len(given),
                None if mean is None else round_half_up(mean),
                enough and mean >= threshold,
                excluded,
            )
        )
    indicator_stage = gaps = None
    if all_values:
        indicator_stage = 0
        for ev in evidence:
            if not ev.applicable:
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
    every = [ratings.get(i.id) for i in element.indicators]
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
        not_applicable=attained is None and bool(every) and all(a == NOT_APPLICABLE for a in every),
    )


def _check_ratings(framework: Framework, element: Element, ratings: Mapping[str, Answer]) -> None:
    own = {i.id for i in element.indicators}
    allowed = {p.value for p in framework.scale.points}
    for indicator_id, value in ratings.items():
        if indicator_id not in own:
            raise ValueError(f"indicator {indicator_id!r} does not belong to {element.path!r}")
        if value is None or value in (NOT_SURE, NOT_APPLICABLE):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise ValueError(f"rating {value!r} for {indicator_id!r} is not on the scale")


def score_assessment(
    framework: Framework,
    ratings: Mapping[str, Answer],
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
    by_element: dict[str, dict[str, Answer]] = {}
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


__all__ = [
    "Answer",
    "ElementScore",
    "StageEvidence",
    "round_half_up",
    "score_assessment",
    "score_element",
]
