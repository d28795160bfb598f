"""Domain profiles and comparison with the stages a career phase expects (see ``SCORING.md``).

Stages are ordinal, so a domain is summarised by the **median** attained stage
of its assessed elements and its **range** (minimum, maximum), never by a mean
to two decimals. Compared with a career phase, an element is ``below``,
``meets`` or ``above`` the stage expected for its domain, with gap = attained
- expected. A domain is ``below`` if its weakest assessed element is below the
expectation, ``above`` if its weakest element is above it, and otherwise
``meets``; its gap is the weakest element's gap, so status and gap always use
the same measure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .model import Framework
from .phases import CareerPhase, Overrides, PhaseTable, expected_profile
from .scoring import ElementScore, round_half_up


def median(values: Iterable[int]) -> Fraction:
    """Median of ordinal values (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def stage_text(value: Fraction | float | None, label: str = "stage") -> str:
    """A median read as words: ``2`` → "stage 2", ``1.5`` → "between stage 1 and 2"."""
    if value is None:
        return "not assessed"
    exact = Fraction(value).limit_denominator(2)
    if exact.denominator == 1:
        return f"{label} {exact.numerator}"
    low = math.floor(exact)
    return f"between {label} {low} and {low + 1}"


@dataclass(frozen=True)
class DomainScore:
    """Profile of one domain over its assessed elements.

    ``median`` and the range ``minimum``..``maximum`` are what to show: stages
    are ordinal. ``mean`` is kept for results stored before medians were used.
    """

    domain: str
    mean: float
    minimum: int
    assessed: int
    elements: int
    median: float = 0.0
    maximum: int = 0
    not_applicable: int = 0


def _assessed(scores: Mapping[str, ElementScore]) -> dict[str, int]:
    return {p: s.attained for p, s in scores.items() if s.attained is not None}


def domain_profile(
    framework: Framework, scores: Mapping[str, ElementScore]
) -> dict[str, DomainScore]:
    """Median and range of attained stages per domain with any assessed element."""
    attained = _assessed(scores)
    profile = {}
    for domain in framework.domains:
        values = [attained[e.path] for e in domain.elements if e.path in attained]
        if values:
            excluded = sum(
                1 for e in domain.elements if e.path in scores and scores[e.path].not_applicable
            )
            profile[domain.id] = DomainScore(
                domain.id,
                round_half_up(Fraction(sum(values), len(values))),
                min(values),
                len(values),
                len(domain.elements),
                float(median(values)),
                max(values),
                excluded,
            )
    return profile


def overall_score(framework: Framework, scores: Mapping[str, ElementScore]) -> float | None:
    """Mean attained stage over assessed elements / highest stage, in 0..1 (4 decimals).

    Kept for results stored before grade modes existed; new grades come from
    ``grades.grade``.
    """
    values = list(_assessed(scores).values())
    if not values:
        return None
    return round_half_up(Fraction(sum(values), len(values) * framework.max_stage), 4)


@dataclass(frozen=True)
class Comparison:
    """An element or domain measured against an expected stage.

    For a domain, ``actual`` is its weakest assessed element (the measure both
    status and gap use), ``meeting`` how many assessed elements meet or exceed
    the expectation and ``assessed`` how many were assessed.
    """

    id: str
    expected: int | None
    actual: float | None
    status: str | None
    gap: float | None
    meeting: int | None = None
    assessed: int | None = None


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
        values = [
            attained[e.path] for e in framework.domain(domain_id).elements if e.path in attained
        ]
        domains[domain_id] = Comparison(
            domain_id,
            want,
            ds.minimum,
            _status(ds.minimum, want) if known else None,
            ds.minimum - want if known else None,
            sum(1 for v in values if v >= want) if known else None,
            len(values),
        )
    return elements, domains


def compare_with_phase(
    framework: Framework,
    scores: Mapping[str, ElementScore],
    phase: str | CareerPhase,
    overrides: Overrides | None = None,
    phases: PhaseTable | None = None,
) -> tuple[dict[str, Comparison], dict[str, Comparison]]:
    """Compare with the stages expected at a career phase (institution overrides win)."""
    expected = expected_profile(phase, overrides, phases, framework=framework)
    return compare_with_expected(framework, scores, expected)
