"""Which domains an activity covers, and the grade it sends (see ``SCORING.md#grades``).

Three grade modes, each a share in 0..1 over the **graded elements**: the
elements of the in-scope rated domains, leaving out any the learner marked
wholly "Not applicable to my role".

- ``phase``: the share of graded elements, in domains where the career phase
  expects a stage, whose attained stage meets or exceeds that expectation.
  An element not assessed does not meet it.
- ``stage``: stage steps attained out of those available, i.e. the sum of
  attained stages divided by (highest stage × graded elements); an element
  not assessed counts 0.
- ``completion``: the share of graded elements answered (assessed, or marked
  wholly not applicable) out of all elements of the in-scope rated domains.

``phase`` needs a career phase that expects something in scope; without one
``grade`` falls back to ``stage`` and says so in ``Grade.note``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .model import SENIOR, Element, Framework
from .phases import CareerPhase, Overrides, PhaseTable, expected_profile
from .scoring import ElementScore, round_half_up

PHASE, STAGE, COMPLETION = "phase", "stage", "completion"
GRADE_MODES = (PHASE, STAGE, COMPLETION)


@dataclass(frozen=True)
class Grade:
    """A grade: ``score`` = ``numerator`` / ``denominator`` (4 decimals), with how it was made.

    ``mode`` is the mode used and ``requested`` the one asked for (they differ
    only when ``phase`` fell back to ``stage``). ``score`` is ``None`` when
    nothing could be graded. ``note`` is one sentence saying what the figure
    counts.
    """

    mode: str
    requested: str
    score: float | None
    numerator: int
    denominator: int
    note: str


def in_scope_domains(
    framework: Framework,
    phase: str | CareerPhase | None = None,
    overrides: Overrides | None = None,
    phases: PhaseTable | None = None,
) -> tuple[str, ...]:
    """Domains an activity covers by default, in framework order.

    Every core and reflection domain; a senior domain (LF Creating the Vision,
    Delivering the Strategy) only when the career phase expects a stage in it.
    An activity may still list senior domains explicitly.
    """
    expected = {}
    if phase is not None:
        expected = expected_profile(phase, overrides, phases, framework=framework)
    return tuple(
        d.id for d in framework.domains if d.scope != SENIOR or expected.get(d.id) is not None
    )


def graded_elements(
    framework: Framework,
    domains: Iterable[str] | None = None,
    phase: str | CareerPhase | None = None,
    overrides: Overrides | None = None,
    phases: PhaseTable | None = None,
) -> list[Element]:
    """Elements a grade counts: those of the rated domains among ``domains``.

    ``domains`` defaults to ``in_scope_domains(framework, phase, overrides)``.
    """
    wanted = set(
        in_scope_domains(framework, phase, overrides, phases) if domains is None else domains
    )
    for domain_id in wanted:
        framework.domain(domain_id)
    return [e for d in framework.domains if d.id in wanted and d.is_rated for e in d.elements]


def grade(
    framework: Framework,
    scores: Mapping[str, ElementScore],
    mode: str = PHASE,
    *,
    phase: str | CareerPhase | None = None,
    overrides: Overrides | None = None,
    domains: Iterable[str] | None = None,
    phases: PhaseTable | None = None,
) -> Grade:
    """The grade of a scored assessment in ``mode`` (``phase``, ``stage`` or ``completion``).

    ``scores`` comes from ``scoring.score_assessment``; ``domains`` are the
    activity's domains (default: ``in_scope_domains``). Raises ``ValueError``
    for an unknown mode.
    """
    if mode not in GRADE_MODES:
        raise ValueError(f"unknown grade mode {mode!r}; use one of {', '.join(GRADE_MODES)}")
    elements = graded_elements(framework, domains, phase, overrides, phases)
    counted = [e for e in elements if not _not_applicable(scores, e)]
    if mode == COMPLETION:
        answered = sum(1 for e in elements if _answered(scores, e))
        return _grade(mode, mode, answered, len(elements), "elements answered")
    if mode == PHASE and phase is not None:
        expected = expected_profile(phase, overrides, phases, framework=framework)
        judged = [e for e in counted if expected.get(e.domain_id) is not None]
        if judged:
            meeting = sum(1 for e in judged if (_attained(scores, e) or 0) >= expected[e.domain_id])
            what = "elements meet or exceed the stage expected at this career phase"
            return _grade(PHASE, mode, meeting, len(judged), what)
    steps = sum(_attained(scores, e) or 0 for e in counted)
    what = "stage steps attained"
    if mode == PHASE:
        reason = "no career phase" if phase is None else "no expectation in these domains"
        what += f" (graded by stage: {reason})"
    return _grade(STAGE, mode, steps, len(counted) * framework.max_stage, what)


def _grade(mode: str, requested: str, numerator: int, denominator: int, what: str) -> Grade:
    score = round_half_up(Fraction(numerator, denominator), 4) if denominator else None
    return Grade(
        mode, requested, score, numerator, denominator, f"{numerator} of {denominator} {what}."
    )


def _attained(scores: Mapping[str, ElementScore], element: Element) -> int | None:
    found = scores.get(element.path)
    return None if found is None else found.attained


def _not_applicable(scores: Mapping[str, ElementScore], element: Element) -> bool:
    found = scores.get(element.path)
    return found is not None and found.not_applicable


def _answered(scores: Mapping[str, ElementScore], element: Element) -> bool:
    return _attained(scores, element) is not None or _not_applicable(scores, element)
