"""Stable IRIs for frameworks and their parts, and their JSON definitions.

Every IRI lives under the deployment's base URL (``LEADPATH_BASE_URL``)::

    {base}/frameworks/{fw}
    {base}/frameworks/{fw}/domains/{domain}
    {base}/frameworks/{fw}/elements/{domain}/{element}
    {base}/frameworks/{fw}/stages/{n}           (stage-rated frameworks)
    {base}/frameworks/{fw}/levels/{slug}        (level-rated frameworks)
    {base}/frameworks/{fw}/indicators/{indicator}
    {base}/career-phases/{phase}

Ids are stable forever, so IRIs are too; a renamed career phase keeps
resolving through its alias. ``resolve`` turns an IRI back into the object it
names; ``to_json`` gives a JSON-able definition of any of them, including the
provenance fields (``origin``, ``scope``, status, attribution) pages show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import UnknownIRIError
from .model import Domain, Element, Framework, Indicator, Scale, Stage
from .phases import CareerPhase, load_phases

__all__ = ["UnknownIRIError", "iri_of", "resolve", "to_json"]


def _base(base: str) -> str:
    return base.rstrip("/")


def framework_iri(base: str, framework_id: str) -> str:
    """IRI of a framework."""
    return f"{_base(base)}/frameworks/{framework_id}"


def domain_iri(base: str, framework_id: str, domain_id: str) -> str:
    """IRI of a domain."""
    return f"{framework_iri(base, framework_id)}/domains/{domain_id}"


def element_iri(base: str, framework_id: str, element_path: str) -> str:
    """IRI of an element, from its path ``"<domain>/<element>"``."""
    return f"{framework_iri(base, framework_id)}/elements/{element_path}"


def stage_iri(base: str, framework_id: str, key: int | str) -> str:
    """IRI of a stage (``key`` a number) or a level (``key`` a slug)."""
    if isinstance(key, int):
        return f"{framework_iri(base, framework_id)}/stages/{key}"
    return f"{framework_iri(base, framework_id)}/levels/{key}"


def indicator_iri(base: str, framework_id: str, indicator_id: str) -> str:
    """IRI of an indicator."""
    return f"{framework_iri(base, framework_id)}/indicators/{indicator_id}"


def career_phase_iri(base: str, phase_id: str) -> str:
    """IRI of a career phase."""
    return f"{_base(base)}/career-phases/{phase_id}"


Named = Framework | Domain | Element | Stage | Indicator | CareerPhase


def iri_of(base: str, obj: Named) -> str:
    """IRI of any framework object or career phase."""
    if isinstance(obj, Framework):
        return framework_iri(base, obj.id)
    if isinstance(obj, Domain):
        return domain_iri(base, obj.framework_id, obj.id)
    if isinstance(obj, Element):
        return element_iri(base, obj.framework_id, obj.path)
    if isinstance(obj, Stage):
        return stage_iri(base, obj.framework_id, obj.key)
    if isinstance(obj, Indicator):
        return indicator_iri(base, obj.framework_id, obj.id)
    if isinstance(obj, CareerPhase):
        return career_phase_iri(base, obj.id)
    raise TypeError(f"no IRI for {type(obj).__name__}")


def resolve(
    base: str,
    iri: str,
    frameworks: Mapping[str, Framework],
    phases: Mapping[str, CareerPhase] | None = None,
) -> Named:
    """The object an IRI names; ``UnknownIRIError`` if it names nothing.

    A query string, fragment or trailing slash is ignored.
    """
    prefix = _base(base) + "/"
    if not iri.startswith(prefix):
        raise UnknownIRIError(f"{iri} is not under {_base(base)}")
    rest = iri[len(prefix) :].split("#", 1)[0].split("?", 1)[0].strip("/")
    parts = rest.split("/")
    try:
        return _resolve(parts, frameworks, phases)
    except KeyError:
        raise UnknownIRIError(f"{iri} names nothing known") from None


def _resolve(
    parts: list[str], frameworks: Mapping[str, Framework], phases: Mapping[str, CareerPhase] | None
) -> Named:
    match parts:
        case ["career-phases", phase_id]:
            return (load_phases() if phases is None else phases)[phase_id]
        case ["frameworks", fw_id, *tail]:
            fw = frameworks[fw_id]
            match tail:
                case []:
                    return fw
                case ["domains", domain_id]:
                    return fw.domain(domain_id)
                case ["elements", domain_id, element_id]:
                    return fw.element(f"{domain_id}/{element_id}")
                case ["stages", number] if fw.rating_kind == "stages" and number.isdigit():
                    return fw.stage(int(number))
                case ["levels", slug] if fw.rating_kind == "levels":
                    return fw.stage(slug)
                case ["indicators", indicator_id]:
                    return fw.indicator(indicator_id)
    raise KeyError("/".join(parts))


def _scale_json(scale: Scale) -> dict[str, Any]:
    return {
        "id": scale.id,
        "title": scale.title,
        "points": [{"value": p.value, "label": p.label} for p in scale.points],
    }


def to_json(obj: Named, base: str | None = None) -> dict[str, Any]:
    """A JSON-able definition of an object; with ``base``, IRIs are included."""
    out: dict[str, Any]
    if isinstance(obj, Framework):
        out = {
            "type": "framework",
            "id": obj.id,
            "version": obj.version,
            "content_hash": obj.content_hash,
            "title": obj.title,
            "description": obj.description,
            "kind": obj.kind,
            "status": obj.status,
            "superseded_by": obj.superseded_by,
            "status_note": obj.status_note,
            "publisher": obj.publisher,
            "attribution": obj.attribution,
            "licence_note": obj.licence_note,
            "independence": obj.independence,
            "sources": [
                {"title": s.title, "publisher": s.publisher, "year": s.year, "url": s.url}
                for s in obj.sources
            ],
            "rating": {
                "label": obj.rating_label,
                "kind": obj.rating_kind,
                "note": obj.rating_note,
                obj.rating_kind: [to_json(s, base) for s in obj.stages],
            },
            "scale": _scale_json(obj.scale) | {"demonstrated_from": obj.scale.demonstrated_from},
            "importance": None if obj.importance is None else _scale_json(obj.importance),
            "domains": [to_json(d, base) for d in obj.domains],
        }
    elif isinstance(obj, Domain):
        out = {"type": "domain", "framework": obj.framework_id, "id": obj.id, "title": obj.title}
        out |= {
            "description": obj.description,
            "scope": obj.scope,
            "note": obj.note,
            "elements": [to_json(e, base) for e in obj.elements],
        }
    elif isinstance(obj, Element):
        out = {"type": "element", "framework": obj.framework_id, "domain": obj.domain_id}
        out |= {"id": obj.id, "path": obj.path, "title": obj.title, "description": obj.description}
        if obj.prompt:
            out["prompt"] = obj.prompt
        out["indicators"] = [to_json(i, base) for i in obj.indicators]
    elif isinstance(obj, Stage):
        out = {"type": "level" if obj.is_level else "stage", "framework": obj.framework_id}
        out |= {
            "number": obj.number,
            "key": obj.key,
            "title": obj.title,
            "description": obj.description,
            "origin": obj.origin,
        }
    elif isinstance(obj, Indicator):
        out = {"type": "indicator", "framework": obj.framework_id, "element": obj.element_path}
        out |= {"id": obj.id, "stage": obj.key, "stage_number": obj.stage, "text": obj.text}
        out["origin"] = obj.origin
    elif isinstance(obj, CareerPhase):
        out = {
            "type": "career-phase",
            "id": obj.id,
            "title": obj.title,
            "description": obj.description,
        }
        out |= {
            "professions": list(obj.professions),
            "general": obj.general,
            "mlcf_phase": obj.mlcf_phase,
            "framework": obj.framework_id,
            "expected": obj.expected,
            "expected_in": obj.expected_in,
        }
    else:
        raise TypeError(f"no JSON definition for {type(obj).__name__}")
    if base is not None:
        out = {"iri": iri_of(base, obj)} | out
    return out
