"""Career phases and the stage expected in each domain at each phase.

Bundled defaults are in ``data/career-phases.json``: phases for medicine,
nursing and midwifery, and the allied health professions, plus phases any
profession may use (``cpd``, ``clinical-lead``, ``senior-leader``). Their
expectations are keyed by LF domain ids (MLCF and CLCF share the five core
ids); ``expected_in`` holds expectations for other frameworks, such as the
F1 and F2 levels of ``ukfp-2021``. ``None`` means there is no expectation for
that domain in that phase. ``framework/PHASES.md`` justifies every value.

Phase ids that were renamed stay valid as **aliases** (``foundation`` → ``f1``):
looking one up gives the phase it names. An institution may override any
value with ``{phase: {domain: stage or None}}``; an override always wins,
including an explicit ``None``, and an override under an alias applies to the
phase the alias names (the phase's own id wins over an alias).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FrameworkFileError
from .files import parse_text, read_file, validate

if TYPE_CHECKING:
    from .model import Framework

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
    professions: tuple[str, ...] = ()
    general: bool = False
    expectations_in: tuple[tuple[str, tuple[tuple[str, int | str | None], ...]], ...] = ()

    @property
    def expected(self) -> dict[str, int | None]:
        """Expected stage per domain id of ``framework_id`` (``None`` = no expectation)."""
        return dict(self.expectations)

    @property
    def expected_in(self) -> dict[str, dict[str, int | str | None]]:
        """Expectations for other frameworks: ``{framework id: {domain id: stage key}}``."""
        return {fid: dict(values) for fid, values in self.expectations_in}


class PhaseTable(Mapping[str, CareerPhase]):
    """Career phases in file order; looking up an alias gives the phase it names.

    Iterating gives only the phases' own ids, so lists shown to people carry no
    duplicates; ``in`` and ``[]`` accept aliases too.
    """

    def __init__(
        self,
        phases: dict[str, CareerPhase],
        aliases: dict[str, str] | None = None,
        professions: dict[str, str] | None = None,
    ) -> None:
        """Hold ``phases`` by id, ``aliases`` (alias → phase id) and profession names."""
        self._phases = phases
        self.aliases = dict(aliases or {})
        self.professions = dict(professions or {})

    def __getitem__(self, phase_id: str) -> CareerPhase:
        """The phase with this id or alias; ``KeyError`` if neither."""
        return self._phases[self.aliases.get(phase_id, phase_id)]

    def __contains__(self, phase_id: object) -> bool:
        """True for a phase id or an alias."""
        return phase_id in self._phases or phase_id in self.aliases

    def __iter__(self) -> Iterator[str]:
        """Phase ids in file order (aliases left out)."""
        return iter(self._phases)

    def __len__(self) -> int:
        """Number of phases (aliases left out)."""
        return len(self._phases)

    def canonical(self, phase_id: str) -> str:
        """The phase's own id for an id or an alias; ``KeyError`` if unknown."""
        return self[phase_id].id

    def for_profession(self, profession: str) -> list[CareerPhase]:
        """The phases of one profession's career, in order, then the general ones."""
        steps = [p for p in self._phases.values() if profession in p.professions]
        return steps + [p for p in self._phases.values() if p.general]


def load_phases(path: str | Path | None = None) -> PhaseTable:
    """Career phases from a file (the bundled one by default), in order."""
    if path is None:
        return _bundled()
    text, name = read_file(path)
    return _parse(text, name)


@cache
def _bundled() -> PhaseTable:
    text, name = read_file(PHASES_FILE)
    return _parse(text, name)


def _parse(text: str, name: str) -> PhaseTable:
    doc = parse_text(text, name)
    validate(doc, "career-phases", name)
    known = doc.get("professions", {})
    phases: dict[str, CareerPhase] = {}
    for i, p in enumerate(doc["phases"]):
        if p["id"] in phases:
            raise FrameworkFileError(name, f"phases[{i}].id", f"duplicate phase id {p['id']!r}")
        for j, profession in enumerate(p.get("professions", [])):
            if profession not in known:
                raise FrameworkFileError(
                    name, f"phases[{i}].professions[{j}]", f"unknown profession {profession!r}"
                )
        phases[p["id"]] = CareerPhase(
            id=p["id"],
            title=p["title"],
            description=p["description"],
            expectations=tuple(p["expected"].items()),
            mlcf_phase=p.get("mlcf_phase"),
            framework_id=doc["framework"],
            professions=tuple(p.get("professions", ())),
            general=p.get("general", False),
            expectations_in=tuple(
                (fid, tuple(values.items())) for fid, values in p.get("expected_in", {}).items()
            ),
        )
    aliases: dict[str, str] = {}
    for i, alias in enumerate(doc.get("aliases", [])):
        if alias["id"] in phases or alias["id"] in aliases:
            problem = f"{alias['id']!r} is already a phase id or an alias"
            raise FrameworkFileError(name, f"aliases[{i}].id", problem)
        if alias["phase"] not in phases:
            problem = f"{alias['phase']!r} is not a phase of this file"
            raise FrameworkFileError(name, f"aliases[{i}].phase", problem)
        aliases[alias["id"]] = alias["phase"]
    return PhaseTable(phases, aliases, known)


def _phase_id(phase: str | CareerPhase) -> str:
    return phase.id if isinstance(phase, CareerPhase) else phase


def phase_overrides(
    pid: str, overrides: Overrides | None, phases: PhaseTable | None = None
) -> dict[str, int | None]:
    """An institution's overrides that apply to a phase (aliases resolved)."""
    if not overrides:
        return {}
    phases = load_phases() if phases is None else phases
    target = phases.canonical(pid) if pid in phases else pid
    merged: dict[str, int | None] = {}
    own: dict[str, int | None] = {}
    for key, values in overrides.items():
        if key == target:
            own = dict(values)
        elif key in phases and phases.canonical(key) == target:
            merged.update(values)
    merged.update(own)
    return {d: _checked(v, pid, d) for d, v in merged.items()}


def expected_stage(
    phase: str | CareerPhase,
    domain_id: str,
    overrides: Overrides | None = None,
    phases: PhaseTable | None = None,
    *,
    framework: Framework | None = None,
) -> int | None:
    """Stage number expected in a domain at a career phase, or ``None`` if none is.

    ``overrides`` (an institution's ``{phase: {domain: stage}}``) wins over the
    defaults. Raises ``KeyError`` for an unknown phase, or for a domain that
    neither the defaults nor the overrides mention.
    """
    profile = expected_profile(phase, overrides, phases, framework=framework)
    if domain_id not in profile:
        pid = _phase_id(phase)
        raise KeyError(f"career phase {pid!r} has no expectation for domain {domain_id!r}")
    return profile[domain_id]


def expected_profile(
    phase: str | CareerPhase,
    overrides: Overrides | None = None,
    phases: PhaseTable | None = None,
    *,
    framework: Framework | None = None,
) -> dict[str, int | None]:
    """Expected stage number per domain at a career phase, overrides applied.

    Without ``framework`` the profile is keyed by the phases file's framework
    (LF domain ids). With one, it covers exactly that framework's domains:
    its own ``expected_in`` values when the phase has them, else the LF values
    of the domains it shares with the LF (MLCF, CLCF), else ``None``.
    """
    phases = load_phases() if phases is None else phases
    pid = _phase_id(phase)
    if pid in phases:
        found = phases[pid]
        profile = _defaults(found, framework)
    elif overrides and pid in overrides:
        profile = {} if framework is None else {d.id: None for d in framework.domains}
    else:
        raise KeyError(f"unknown career phase {pid!r}")
    own = None if framework is None else {d.id for d in framework.domains}
    for domain_id, stage in phase_overrides(pid, overrides, phases).items():
        if own is None or domain_id in own:
            profile[domain_id] = stage
    return profile


def _defaults(phase: CareerPhase, framework: Framework | None) -> dict[str, int | None]:
    if framework is None or framework.id == phase.framework_id:
        return phase.expected
    specific = phase.expected_in.get(framework.id)
    if specific is not None:
        return {
            d.id: None if specific.get(d.id) is None else framework.stage(specific[d.id]).number
            for d in framework.domains
        }
    shared = phase.expected
    return {d.id: shared.get(d.id) for d in framework.domains}


def _checked(stage: int | None, pid: str, domain_id: str) -> int | None:
    if stage is not None and (isinstance(stage, bool) or not isinstance(stage, int) or stage < 0):
        raise ValueError(f"override for {pid!r} / {domain_id!r} must be a stage number or None")
    return stage
