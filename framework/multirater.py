"""Aggregation of multi-rater (360) feedback, with rater anonymity protected.

Each response carries one rater's value per element (normally the element's
attained stage from ``scoring.score_assessment`` on that rater's ratings, so
self and others are compared like for like). Rules, per element:

- A rater group's mean is shown only when at least ``min_raters`` (3) of its
  raters gave a value. Groups in ``exempt_groups`` (the line manager, who is
  not anonymous, by default) are shown from one rater.
- The "others" mean pools every rater except self. It is shown only if the
  raters in hidden groups number zero or at least ``min_raters``: otherwise
  their values could be recovered by subtracting the shown group means.
- Gap = self value - others mean, when both are shown.

Means are rounded to 2 decimals (halves up) after exact arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .scoring import round_half_up

SELF = "self"
LINE_MANAGER = "line-manager"
PEER = "peer"
DIRECT_REPORT = "direct-report"
OTHER = "other"
GROUPS = (SELF, LINE_MANAGER, PEER, DIRECT_REPORT, OTHER)
RATER_GROUPS = GROUPS[1:]


@dataclass(frozen=True)
class RaterResponse:
    """One rater's values per element path (``None`` = no view on that element)."""

    rater_id: str
    group: str
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class GroupSummary:
    """One rater group on one element; ``mean`` is ``None`` unless shown."""

    group: str
    raters: int
    mean: float | None
    shown: bool


@dataclass(frozen=True)
class ElementSummary:
    """Self, per-group and pooled "others" view of one element."""

    element: str
    self_value: float | None
    groups: tuple[GroupSummary, ...]
    others_raters: int
    others_mean: float | None
    gap: float | None

    def group(self, name: str) -> GroupSummary:
        """The summary of one rater group."""
        for summary in self.groups:
            if summary.group == name:
                return summary
        raise KeyError(name)


def aggregate_360(
    responses: Iterable[RaterResponse],
    *,
    min_raters: int = 3,
    exempt_groups: Iterable[str] = (LINE_MANAGER,),
    elements: Iterable[str] | None = None,
) -> dict[str, ElementSummary]:
    """Summarise responses per element (order: ``elements`` or first seen)."""
    responses = list(responses)
    exempt = frozenset(exempt_groups)
    _check(responses, exempt)
    order = list(elements) if elements is not None else _seen(responses)
    out = {}
    for path in order:
        self_value = None
        by_group: dict[str, list[Fraction]] = {g: [] for g in RATER_GROUPS}
        for r in responses:
            value = r.values.get(path)
            if value is None:
                continue
            if r.group == SELF:
                self_value = value
            else:
                by_group[r.group].append(Fraction(value))
        groups, hidden, pooled = [], 0, []
        for name, values in by_group.items():
            shown = len(values) >= (1 if name in exempt else min_raters)
            mean = round_half_up(sum(values) / len(values)) if shown else None
            groups.append(GroupSummary(name, len(values), mean, shown))
            hidden += 0 if shown else len(values)
            pooled += values
        others_exact = None
        if pooled and (hidden == 0 or hidden >= min_raters):
            others_exact = sum(pooled) / len(pooled)
        gap = None
        if self_value is not None and others_exact is not None:
            gap = round_half_up(Fraction(self_value) - others_exact)
        out[path] = ElementSummary(
            element=path,
            self_value=self_value,
            groups=tuple(groups),
            others_raters=len(pooled),
            others_mean=None if others_exact is None else round_half_up(others_exact),
            gap=gap,
        )
    return out


def biggest_gaps(summary: Mapping[str, ElementSummary], n: int = 5) -> list[ElementSummary]:
    """The ``n`` elements with the largest self-vs-others gap (either sign).

    A positive gap (self above others) is a possible blind spot; a negative
    one a possible hidden strength. Ties keep element order.
    """
    with_gap = [s for s in summary.values() if s.gap is not None]
    return sorted(with_gap, key=lambda s: -abs(s.gap))[:n]


def _check(responses: list[RaterResponse], exempt: frozenset[str]) -> None:
    for group in exempt:
        if group not in RATER_GROUPS:
            raise ValueError(f"unknown rater group {group!r}")
    ids, selves = set(), 0
    for r in responses:
        if r.group not in GROUPS:
            raise ValueError(f"unknown rater group {r.group!r}; use one of {', '.join(GROUPS)}")
        if r.rater_id in ids:
            raise ValueError(f"rater {r.rater_id!r} responded more than once")
        ids.add(r.rater_id)
        selves += r.group == SELF
    if selves > 1:
        raise ValueError("more than one self response")


def _seen(responses: list[RaterResponse]) -> list[str]:
    order: dict[str, None] = {}
    for r in responses:
        order.update(dict.fromkeys(r.values))
    return list(order)
