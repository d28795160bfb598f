"""Aggregation of multi-rater (360) feedback, with rater anonymity protected.

Each response carries one rater's value per element (normally the element's
attained stage from ``scoring.score_assessment`` on that rater's ratings, so
self and others are compared like for like). Rules, per element:

- A rater group is shown only when at least ``min_raters`` (3) of its raters
  gave a value. Groups in ``exempt_groups`` (the line manager, who is not
  anonymous, by default) are shown from one rater.
- "Others" pools every rater except self. It is shown only if the raters in
  hidden groups number zero or at least ``min_raters``: otherwise their values
  could be recovered from the shown groups.
- Stages are ordinal, so others are summarised by their **median** and
  **range**; the gap is self - others' median, in stages.
- A gap is labelled a possible **blind spot** (self above others) or a
  possible **hidden strength** (self below others) only when it is at least
  ``gap_threshold`` stages (default 1) either way, so never at zero.

The HLM also asks raters how important each dimension is to the person's
role; ``aggregate_importance`` summarises those answers with the same
anonymity rules. ``others_mean`` and ``gap`` (means to two decimals) are kept
for reports stored before medians were used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .model import Framework
from .profile import median
from .scoring import round_half_up

SELF = "self"
LINE_MANAGER = "line-manager"
PEER = "peer"
DIRECT_REPORT = "direct-report"
OTHER = "other"
GROUPS = (SELF, LINE_MANAGER, PEER, DIRECT_REPORT, OTHER)
RATER_GROUPS = GROUPS[1:]
BLIND_SPOT, HIDDEN_STRENGTH = "blind-spot", "hidden-strength"
GAP_LABELS = {BLIND_SPOT: "Possible blind spot", HIDDEN_STRENGTH: "Possible hidden strength"}


@dataclass(frozen=True)
class RaterResponse:
    """One rater's values per element path or domain id (``None`` = no view on it)."""

    rater_id: str
    group: str
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class GroupSummary:
    """One rater group on one element; figures are ``None`` unless shown."""

    group: str
    raters: int
    mean: float | None
    shown: bool
    median: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ElementSummary:
    """Self, per-group and pooled "others" view of one element."""

    element: str
    self_value: float | None
    groups: tuple[GroupSummary, ...]
    others_raters: int
    others_mean: float | None
    gap: float | None
    others_median: float | None = None
    others_low: float | None = None
    others_high: float | None = None
    gap_stages: float | None = None
    label: str | None = None

    def group(self, name: str) -> GroupSummary:
        """The summary of one rater group."""
        for summary in self.groups:
            if summary.group == name:
                return summary
        raise KeyError(name)


def gap_label(gap: float | Fraction | None, threshold: float = 1) -> str | None:
    """``"blind-spot"`` if gap ≥ threshold, ``"hidden-strength"`` if gap ≤ -threshold, else None."""
    if threshold <= 0:
        raise ValueError("the gap threshold must be above zero")
    if gap is None:
        return None
    if gap >= threshold:
        return BLIND_SPOT
    if gap <= -threshold:
        return HIDDEN_STRENGTH
    return None


def _pool(
    responses: list[RaterResponse], key: str, min_raters: int, exempt: frozenset[str]
) -> tuple[float | None, list[GroupSummary], int, list[Fraction] | None]:
    """Self value, group summaries, pooled count and the pooled values if they may be shown."""
    self_value = None
    by_group: dict[str, list[Fraction]] = {g: [] for g in RATER_GROUPS}
    for r in responses:
        value = r.values.get(key)
        if value is None:
            continue
        if r.group == SELF:
            self_value = value
        else:
            by_group[r.group].append(Fraction(value))
    groups, hidden, pooled = [], 0, []
    for name, values in by_group.items():
        shown = len(values) >= (1 if name in exempt else min_raters)
        if shown:
            summary = GroupSummary(
                name,
                len(values),
                round_half_up(sum(values) / len(values)),
                True,
                float(median(values)),
                float(min(values)),
                float(max(values)),
            )
        else:
            summary = GroupSummary(name, len(values), None, False)
        groups.append(summary)
        hidden += 0 if shown else len(values)
        pooled += values
    visible = pooled if pooled and (hidden == 0 or hidden >= min_raters) else None
    return self_value, groups, len(pooled), visible


def aggregate_360(
    responses: Iterable[RaterResponse],
    *,
    min_raters: int = 3,
    exempt_groups: Iterable[str] = (LINE_MANAGER,),
    elements: Iterable[str] | None = None,
    gap_threshold: float = 1,
) -> dict[str, ElementSummary]:
    """Summarise responses per element (order: ``elements`` or first seen)."""
    responses = list(responses)
    exempt = frozenset(exempt_groups)
    _check(responses, exempt)
    gap_label(0, gap_threshold)  # refuses a threshold of zero or below
    out = {}
    for path in list(elements) if elements is not None else _seen(responses):
        self_value, groups, raters, pooled = _pool(responses, path, min_raters, exempt)
        mean = mid = gap = gap_stages = None
        if pooled is not None:
            mean, mid = sum(pooled) / len(pooled), median(pooled)
        if self_value is not None and pooled is not None:
            gap = round_half_up(Fraction(self_value) - mean)
            gap_stages = float(Fraction(self_value) - mid)
        out[path] = ElementSummary(
            element=path,
            self_value=self_value,
            groups=tuple(groups),
            others_raters=raters,
            others_mean=None if mean is None else round_half_up(mean),
            gap=gap,
            others_median=None if mid is None else float(mid),
            others_low=None if pooled is None else float(min(pooled)),
            others_high=None if pooled is None else float(max(pooled)),
            gap_stages=gap_stages,
            label=gap_label(gap_stages, gap_threshold),
        )
    return out


def notable_gaps(summary: Mapping[str, ElementSummary], n: int = 5) -> list[ElementSummary]:
    """Up to ``n`` labelled elements (blind spots, hidden strengths), largest gap first.

    Ties keep element order. An element whose gap is below the threshold is
    never listed, so a zero gap is never called anything.
    """
    labelled = [s for s in summary.values() if s.label is not None]
    return sorted(labelled, key=lambda s: -abs(s.gap_stages))[:n]


def biggest_gaps(summary: Mapping[str, ElementSummary], n: int = 5) -> list[ElementSummary]:
    """The ``n`` elements with the largest non-zero mean gap (either sign).

    Kept for reports that show mean gaps; ``notable_gaps`` is the one that
    decides what may be called a blind spot or a hidden strength.
    """
    with_gap = [s for s in summary.values() if s.gap]
    return sorted(with_gap, key=lambda s: -abs(s.gap))[:n]


@dataclass(frozen=True)
class ImportanceSummary:
    """How important self and others say one domain is to the role (``None`` unless shown)."""

    domain: str
    self_value: int | None
    others_raters: int
    others_median: float | None
    others_low: int | None
    others_high: int | None
    groups: tuple[GroupSummary, ...] = ()


def aggregate_importance(
    framework: Framework,
    responses: Iterable[RaterResponse],
    *,
    min_raters: int = 3,
    exempt_groups: Iterable[str] = (LINE_MANAGER,),
) -> dict[str, ImportanceSummary]:
    """Summarise importance answers ``{domain id: value}`` for every rated domain.

    Values must lie on ``framework.importance``; raises ``ValueError`` if the
    framework asks no importance or a value is off its scale.
    """
    if framework.importance is None:
        raise ValueError(f"framework {framework.id!r} does not ask how important domains are")
    responses = list(responses)
    exempt = frozenset(exempt_groups)
    _check(responses, exempt)
    allowed = set(framework.importance.values)
    rated = [d.id for d in framework.domains if d.is_rated]
    for r in responses:
        for key, value in r.values.items():
            if key not in rated:
                raise ValueError(f"{key!r} is not a rated domain of {framework.id!r}")
            if value is not None and (isinstance(value, bool) or value not in allowed):
                raise ValueError(f"importance {value!r} from {r.rater_id!r} is not on the scale")
    out = {}
    for domain_id in rated:
        self_value, groups, raters, pooled = _pool(responses, domain_id, min_raters, exempt)
        out[domain_id] = ImportanceSummary(
            domain=domain_id,
            self_value=self_value,
            others_raters=raters,
            others_median=None if pooled is None else float(median(pooled)),
            others_low=None if pooled is None else int(min(pooled)),
            others_high=None if pooled is None else int(max(pooled)),
            groups=tuple(groups),
        )
    return out


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
