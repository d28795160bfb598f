"""Immutable in-memory model of a leadership framework or curriculum.

A framework has domains; a domain has elements; an element has behavioural
indicators, each belonging to one stage (or level). Stages are ordered and
numbered 1..n; level-rated frameworks (such as the Healthcare Leadership Model)
also give each level a slug, which is its ``key``. Elements are addressed by
their path ``"<domain-id>/<element-id>"``.

Provenance is part of the model: ``origin`` on stages and indicators says
whether the framework itself defines them (``"framework"``) or leadpath added
them where the framework has none (``"leadpath"``). A domain's ``scope`` says
who it is for: ``core`` (everyone), ``senior`` (people leading organisations
and systems; offered only where a career phase expects it) or ``reflection``
(reflected on in writing, never rated or graded).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

STAGES = "stages"
LEVELS = "levels"
FRAMEWORK, LEADPATH = "framework", "leadpath"
CORE, SENIOR, REFLECTION = "core", "senior", "reflection"
CURRENT, SUPERSEDED = "current", "superseded"
NOT_SURE = "not-sure"
NOT_APPLICABLE = "not-applicable"
NON_RATING_ANSWERS = {NOT_SURE: "Not sure", NOT_APPLICABLE: "Not applicable to my role"}
"""Answers beside the scale; see ``SCORING.md`` for how each counts."""


@dataclass(frozen=True)
class ScalePoint:
    """One point of a scale, e.g. ``3`` "Often"."""

    value: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Scale:
    """A rating scale: the frequency scale of indicators, or the importance scale."""

    id: str
    title: str
    points: tuple[ScalePoint, ...]
    demonstrated_from: int | None = None

    @property
    def minimum(self) -> int:
        """Lowest value on the scale."""
        return min(p.value for p in self.points)

    @property
    def maximum(self) -> int:
        """Highest value on the scale."""
        return max(p.value for p in self.points)

    @property
    def values(self) -> tuple[int, ...]:
        """Every value on the scale, in order."""
        return tuple(p.value for p in self.points)

    def label(self, value: int) -> str:
        """Label of a scale value."""
        for point in self.points:
            if point.value == value:
                return point.label
        raise KeyError(f"{value} is not a value of scale {self.id!r}")


@dataclass(frozen=True)
class Source:
    """A publication the framework's structure comes from."""

    title: str
    publisher: str
    year: int
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Stage:
    """A rating point of a framework: a numbered stage or a named level.

    ``number`` is the ordinal (1..n) used in scoring. ``key`` is how files and
    IRIs name it: the number itself for stages, the slug for levels.
    """

    framework_id: str
    number: int
    key: int | str
    title: str
    description: str
    kind: str = STAGES
    origin: str = FRAMEWORK

    @property
    def is_level(self) -> bool:
        """True for a named level rather than a numbered stage."""
        return self.kind == LEVELS


@dataclass(frozen=True)
class Indicator:
    """A behavioural indicator of one element at one stage (``stage`` is the number)."""

    framework_id: str
    domain_id: str
    element_id: str
    id: str
    stage: int
    text: str
    stage_key: int | str | None = None
    origin: str = FRAMEWORK

    @property
    def key(self) -> int | str:
        """How the file names the indicator's stage: its number, or its level slug."""
        return self.stage if self.stage_key is None else self.stage_key

    @property
    def element_path(self) -> str:
        """Path of the element the indicator belongs to."""
        return f"{self.domain_id}/{self.element_id}"


@dataclass(frozen=True)
class Element:
    """An element of a domain, with its indicators (and a prompt for reflection)."""

    framework_id: str
    domain_id: str
    id: str
    title: str
    description: str
    indicators: tuple[Indicator, ...] = ()
    prompt: str = ""

    @property
    def path(self) -> str:
        """The element's path, ``"<domain-id>/<element-id>"``."""
        return f"{self.domain_id}/{self.id}"

    def indicators_for(self, stage: int) -> tuple[Indicator, ...]:
        """Indicators of this element at a stage number."""
        return tuple(i for i in self.indicators if i.stage == stage)


@dataclass(frozen=True)
class Domain:
    """A domain of the framework, with its elements."""

    framework_id: str
    id: str
    title: str
    description: str
    elements: tuple[Element, ...]
    scope: str = CORE
    note: str = ""

    @property
    def is_rated(self) -> bool:
        """False for a reflection domain, which is written about, not rated."""
        return self.scope != REFLECTION


@dataclass(frozen=True)
class Framework:
    """A complete framework definition.

    ``content_hash`` identifies the exact content (see ``files.content_hash``);
    ``source`` names the file or upload it was read from. ``importance`` is the
    scale on which a person says how important each domain is to a role, if
    the framework asks that.
    """

    id: str
    version: str
    title: str
    publisher: str
    licence_note: str
    rating_label: str
    rating_kind: str
    stages: tuple[Stage, ...]
    scale: Scale
    domains: tuple[Domain, ...]
    description: str = ""
    content_hash: str = ""
    source: str = field(default="", compare=False)
    kind: str = "leadership-framework"
    status: str = CURRENT
    superseded_by: str | None = None
    status_note: str = ""
    attribution: str = ""
    independence: str = ""
    sources: tuple[Source, ...] = ()
    rating_note: str = ""
    importance: Scale | None = None
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the lookup tables."""
        index = self._index
        index["domain"] = {d.id: d for d in self.domains}
        index["element"] = {e.path: e for d in self.domains for e in d.elements}
        index["indicator"] = {
            i.id: i for d in self.domains for e in d.elements for i in e.indicators
        }
        index["stage"] = {s.number: s for s in self.stages}
        index["key"] = {str(s.key): s for s in self.stages}

    @property
    def max_stage(self) -> int:
        """Highest stage number."""
        return max(s.number for s in self.stages)

    @property
    def stage_numbers(self) -> tuple[int, ...]:
        """Stage numbers in ascending order."""
        return tuple(sorted(s.number for s in self.stages))

    @property
    def is_superseded(self) -> bool:
        """True when the framework's owner has replaced it (see ``superseded_by``)."""
        return self.status == SUPERSEDED

    def domain(self, domain_id: str) -> Domain:
        """Domain by id; ``KeyError`` if unknown."""
        try:
            return self._index["domain"][domain_id]
        except KeyError:
            raise KeyError(f"framework {self.id!r} has no domain {domain_id!r}") from None

    def element(self, path: str) -> Element:
        """Element by path ``"<domain-id>/<element-id>"``; ``KeyError`` if unknown."""
        try:
            return self._index["element"][path]
        except KeyError:
            raise KeyError(f"framework {self.id!r} has no element {path!r}") from None

    def elements(self) -> Iterator[Element]:
        """All elements, in document order."""
        for domain in self.domains:
            yield from domain.elements

    def indicator(self, indicator_id: str) -> Indicator:
        """Indicator by id; ``KeyError`` if unknown."""
        try:
            return self._index["indicator"][indicator_id]
        except KeyError:
            raise KeyError(f"framework {self.id!r} has no indicator {indicator_id!r}") from None

    def indicators(self) -> Iterator[Indicator]:
        """All indicators, in document order."""
        for element in self.elements():
            yield from element.indicators

    def stage(self, key: int | str) -> Stage:
        """Stage by number (``2``), or by key (``"2"``, ``"proficient"``)."""
        found = None
        if isinstance(key, int) and not isinstance(key, bool):
            found = self._index["stage"].get(key)
        elif isinstance(key, str):
            found = self._index["key"].get(key)
            if found is None and key.isdigit() and self.rating_kind == STAGES:
                found = self._index["stage"].get(int(key))
        if found is None:
            raise KeyError(f"framework {self.id!r} has no {self.rating_label.lower()} {key!r}")
        return found

    def indicators_for(self, element_path: str, stage: int | str) -> tuple[Indicator, ...]:
        """Indicators of an element at a stage (number or key)."""
        return self.element(element_path).indicators_for(self.stage(stage).number)
