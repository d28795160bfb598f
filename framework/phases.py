"""Career phases and the stage expected in each domain at each phase.

Bundled defaults are in ``data/career-phases.json`` (undergraduate, foundation,
specialty-training, qualified-practice, senior-leader), keyed by LF domain ids;
MLCF and CLCF use the same ids for their five domains. ``None`` means there is
no expectation for that domain in that phase. An institution may override any
value with a mapping ``{phase: {domain: stage or None}}``; an override always
wins, including an explicit ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import FrameworkFileError, parse_text, read_file, validate

PHASES_FILE = Path(__file__).parent / "data" / "career-phases.json"

Overrides = Mapping[str, Mapping[str, int | None]]


@dataclass(frozen=True)
class CareerPhase:
    """A career phase and its default expected stage per domain."""

    id: str
    title: str
    description: str
    expectations: tuple[tuple[str, int | None], ...]
    mlcf_phase: str | None = None
    framework_id: str = "lf-2011"

    @property
    def expected(self) -> dict[str, int | None]:
        """Expected stage per domain id (``None`` = no expectation)."""
        return dict(self.expectations)


def load_phases(path: str | Path | None = None) -> dict[str, CareerPhase]:
    """Career phases from a file (the bundled one by default), in order."""
    if path is None:
        return dict(_bundled())
    text, name = read_file(path)
    return _parse(text, name)


@cache
def _bundled() -> tuple[tuple[str, CareerPhase], ...]:
    text, name = read_file(PHASES_FILE)
    return tuple(_parse(text, name).items())


def _parse(text: str, name: str) -> dict[str, CareerPhase]:
    doc = parse_text(text, name)
    validate(doc, "career-phases", name)
    phases: dict[str, CareerPhase] = {}
    for i, p in enumerate(doc["phases"]):
        if p["id"] in phases:
            raise FrameworkFileError(name, f"phases[{i}].id", f"duplicate phase id {p['id']!r}")
        phases[p["id"]] = CareerPhase(
            id=p["id"],
            title=p["title"],
            description=p["description"],
            expectations=tuple(p["expected"].items()),
            mlcf_phase=p.get("mlcf_phase"),
            framework_id=doc["framework"],
        )
    return phases


def _phase_id(phase: str | CareerPhase) -> str:
    return phase.id if isinstance(phase, CareerPhase) else phase


def expected_stage(
    phase: str | CareerPhase,
    domain_id: str,
    overrides: Overrides | None = None,
    phases: Mapping[str, CareerPhase] | None = None,
) -> int | None:
    """Stage expected in a domain at a career phase, or ``None`` if none is.

    ``overrides`` (an institution's ``{phase: {domain: stage}}``) wins over the
    defaults. Raises ``KeyError`` for an unknown phase, or for a domain that
    neither the defaults nor the overrides mention.
    """
    pid = _phase_id(phase)
    phase_overrides = (overrides or {}).get(pid, {})
    if domain_id in phase_overrides:
        return _checked(phase_overrides[domain_id], pid, domain_id)
    defaults = _defaults(pid, phases, overrides)
    if domain_id not in defaults:
        raise KeyError(f"career phase {pid!r} has no expectation for domain {domain_id!r}")
    return defaults[domain_id]


def expected_profile(
    phase: str | CareerPhase,
    overrides: Overrides | None = None,
    phases: Mapping[str, CareerPhase] | None = None,
) -> dict[str, int | None]:
    """Expected stage for every domain at a career phase, overrides applied."""
    pid = _phase_id(phase)
    profile = dict(_defaults(pid, phases, overrides))
    for domain_id, stage in (overrides or {}).get(pid, {}).items():
        profile[domain_id] = _checked(stage, pid, domain_id)
    return profile


def _defaults(
    pid: str, phases: Mapping[str, CareerPhase] | None, overrides: Overrides | None
) -> dict[str, int | None]:
    phases = load_phases() if phases is None else phases
    if pid in phases:
        return phases[pid].expected
    if overrides and pid in overrides:
        return {}
    raise KeyError(f"unknown career phase {pid!r}")


def _checked(stage: int | None, pid: str, domain_id: str) -> int | None:
    if stage is not None and (isinstance(stage, bool) or not isinstance(stage, int) or stage < 0):
        raise ValueError(f"override for {pid!r} / {domain_id!r} must be a stage number or None")
    return stage
