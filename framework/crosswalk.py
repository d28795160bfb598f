"""Crosswalks: read a per-element result recorded under one framework under another.

A crosswalk file (``schema/crosswalk.schema.json``) lists weighted links from
source elements to target elements, each with a note saying why, and for
every source stage the target stage it corresponds to. Every bundled
crosswalk is leadpath's own mapping, not endorsed by the frameworks' owners;
``Crosswalk.indicative`` tells pages to label translated results indicative.

Translation rule (``translate``):

1. Each source element's attained stage is mapped to a target stage through
   the stage map; 0 ("not yet at the first stage") stays 0.
2. A target element receives a value only if at least one linked source
   element has a result. Its value is the weighted mean of the mapped stages
   of those linked sources, **rounded down** (never credit more than the
   evidence shows): ``floor(sum(w * s) / sum(w))``, computed exactly.
3. Source elements without links, and target elements without linked
   results, are left out.

``Crosswalk.inverse()`` reads a crosswalk backwards only where that is
honest: one-to-one links and a one-to-one stage map (MLCF ↔ LF, CLCF ↔ LF).
A many-to-many crosswalk such as LF → HLM is refused with
``CrosswalkNotInvertibleError``: turning nine dimensions back into
twenty-eight elements would copy one judgement onto several elements.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from .errors import CrosswalkNotInvertibleError, FrameworkFileError
from .files import parse_text, read_file, validate
from .model import Framework

CROSSWALK_DIR = Path(__file__).parent / "data" / "crosswalks"
BUNDLED_CROSSWALKS = (
    "mlcf-2010__lf-2011",
    "clcf-2011__lf-2011",
    "lf-2011__hlm-2013",
    "lf-2011__ukfp-2021",
    "hlm-2013__ukfp-2021",
    "lf-2011__gmc-gpc-2017",
    "hlm-2013__gmc-gpc-2017",
    "lf-2011__gmc-ofg-2018",
    "hlm-2013__gmc-ofg-2018",
)


@dataclass(frozen=True)
class Link:
    """A weighted correspondence from a source element to a target element."""

    source: str
    target: str
    weight: float
    note: str = ""


@dataclass(frozen=True)
class Crosswalk:
    """Links and stage correspondence from one framework to another.

    ``stage_map`` pairs source stage numbers with target stage numbers
    (ordinals, 1..n), whatever their keys are in the files.
    """

    id: str
    title: str
    source: str
    target: str
    stage_map: tuple[tuple[int, int], ...]
    links: tuple[Link, ...]
    description: str = ""
    indicative: bool = True
    statement: str = ""
    stage_notes: tuple[tuple[int, str], ...] = ()

    @property
    def is_one_to_one(self) -> bool:
        """True when every source and every target element has at most one link."""
        sources = [k.source for k in self.links]
        targets = [k.target for k in self.links]
        return len(set(sources)) == len(sources) and len(set(targets)) == len(targets)

    def map_stage(self, stage: int) -> int:
        """Target stage number for a source stage number (0 maps to 0)."""
        if stage == 0:
            return 0
        for source, target in self.stage_map:
            if source == stage:
                return target
        raise ValueError(f"crosswalk {self.id!r} has no mapping for source stage {stage}")

    def inverse(self) -> Crosswalk:
        """The same correspondence read from target to source.

        Raises ``CrosswalkNotInvertibleError`` unless the links and the stage
        map are both one-to-one.
        """
        if not self.is_one_to_one:
            raise CrosswalkNotInvertibleError(
                f"crosswalk {self.id!r} links elements many-to-many, so it cannot be read from "
                f"{self.target} back to {self.source}: one {self.target} result would be copied "
                f"onto several {self.source} elements"
            )
        targets = [t for _, t in self.stage_map]
        if len(set(targets)) != len(targets):
            raise CrosswalkNotInvertibleError(
                f"crosswalk {self.id!r} cannot be inverted: its stage map is not one-to-one"
            )
        return Crosswalk(
            id=f"{self.target}__{self.source}",
            title=f"{self.title} (reversed)",
            source=self.target,
            target=self.source,
            stage_map=tuple(sorted((t, s) for s, t in self.stage_map if t != 0)),
            links=tuple(Link(k.target, k.source, k.weight, k.note) for k in self.links),
            description=self.description,
            indicative=self.indicative,
            statement=self.statement,
        )

    def sources_of(self, target_path: str) -> tuple[Link, ...]:
        """Links arriving at a target element."""
        return tuple(k for k in self.links if k.target == target_path)


def translate(result: Mapping[str, Any], crosswalk: Crosswalk) -> dict[str, int]:
    """Read ``{source element path: attained stage}`` as target-element stages.

    Values may be ints or objects with an ``attained`` attribute (such as
    ``scoring.ElementScore``); ``None`` means no result. The rule is in the
    module docstring. Result keys follow the target framework's element order
    as given by the crosswalk's links.
    """
    totals: dict[str, list[Fraction]] = {}
    for link in crosswalk.links:
        value = result.get(link.source)
        value = getattr(value, "attained", value)
        if value is None:
            continue
        weight = Fraction(str(link.weight))
        mapped = crosswalk.map_stage(int(value))
        acc = totals.setdefault(link.target, [Fraction(0), Fraction(0)])
        acc[0] += weight * mapped
        acc[1] += weight
    return {target: math.floor(num / den) for target, (num, den) in totals.items()}


def load_crosswalk(
    path: str | Path, frameworks: Mapping[str, Framework] | None = None
) -> Crosswalk:
    """Load and validate a crosswalk file against the frameworks it links.

    ``frameworks`` defaults to the bundled ones.
    """
    text, name = read_file(path)
    return load_crosswalk_text(text, name, frameworks)


def load_crosswalk_text(
    text: str, source_name: str, frameworks: Mapping[str, Framework] | None = None
) -> Crosswalk:
    """Load and validate crosswalk text (JSON or YAML)."""
    if frameworks is None:
        from .loader import load_bundled

        frameworks = load_bundled()
    doc = parse_text(text, source_name)
    validate(doc, "crosswalk", source_name)
    return _build(doc, source_name, frameworks)


def _build(doc: dict, name: str, frameworks: Mapping[str, Framework]) -> Crosswalk:
    def fail(path: str, problem: str) -> None:
        raise FrameworkFileError(name, path, problem)

    fws = {}
    for side in ("source", "target"):
        if doc[side] not in frameworks:
            fail(side, f"unknown framework {doc[side]!r}")
        fws[side] = frameworks[doc[side]]
    if doc["id"] != f"{doc['source']}__{doc['target']}":
        fail("id", f"must be {doc['source']}__{doc['target']!s} (source__target)")

    stage_map: dict[int, int] = {}
    for i, pair in enumerate(doc["stages"]):
        numbers = []
        for side in ("source", "target"):
            if side == "target" and pair[side] == 0:
                numbers.append(0)
                continue
            try:
                numbers.append(fws[side].stage(pair[side]).number)
            except KeyError:
                label = fws[side].rating_label.lower()
                fail(f"stages[{i}].{side}", f"{pair[side]!r} is not a {label} of {doc[side]}")
        if numbers[0] in stage_map:
            fail(f"stages[{i}].source", f"stage {pair['source']!r} is mapped twice")
        stage_map[numbers[0]] = numbers[1]
    missing = [s.key for s in fws["source"].stages if s.number not in stage_map]
    if missing:
        fail("stages", f"no target given for source {missing[0]!r}")
    stage_notes = tuple(
        (fws["source"].stage(p["source"]).number, p["note"]) for p in doc["stages"] if "note" in p
    )

    links = []
    seen = set()
    for i, m in enumerate(doc["mappings"]):
        for side in ("source", "target"):
            try:
                fws[side].element(m[side])
            except KeyError:
                fail(f"mappings[{i}].{side}", f"{doc[side]} has no element {m[side]!r}")
        if (m["source"], m["target"]) in seen:
            fail(f"mappings[{i}]", f"{m['source']} → {m['target']} is listed twice")
        seen.add((m["source"], m["target"]))
        links.append(Link(m["source"], m["target"], m["weight"], m["note"]))
    return Crosswalk(
        id=doc["id"],
        title=doc["title"],
        source=doc["source"],
        target=doc["target"],
        stage_map=tuple(sorted(stage_map.items())),
        links=tuple(links),
        description=doc.get("description", ""),
        indicative=doc["indicative"],
        statement=doc["statement"],
        stage_notes=stage_notes,
    )


@cache
def _bundled(crosswalk_id: str) -> Crosswalk:
    return load_crosswalk(CROSSWALK_DIR / f"{crosswalk_id}.json")


def load_bundled_crosswalks() -> dict[str, Crosswalk]:
    """The crosswalks shipped with leadpath, by id."""
    return {cid: _bundled(cid) for cid in BUNDLED_CROSSWALKS}


def crosswalk_between(
    source: str, target: str, crosswalks: Mapping[str, Crosswalk] | None = None
) -> Crosswalk:
    """The crosswalk from ``source`` to ``target``, inverting a one-to-one one if needed.

    Raises ``KeyError`` if there is none and ``CrosswalkNotInvertibleError`` if
    only the reverse of a many-to-many crosswalk exists.
    """
    crosswalks = load_bundled_crosswalks() if crosswalks is None else crosswalks
    direct = crosswalks.get(f"{source}__{target}")
    if direct is not None:
        return direct
    reverse = crosswalks.get(f"{target}__{source}")
    if reverse is not None:
        return reverse.inverse()
    raise KeyError(f"no crosswalk between {source!r} and {target!r}")
