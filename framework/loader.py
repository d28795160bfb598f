"""Load framework definition files (JSON or YAML) into the model.

A file is first checked against ``schema/framework.schema.json`` and then for
what a schema cannot express: unique ids, stage numbers running 1..n, and
every indicator belonging to a stage or level the framework defines. Any
problem raises ``FrameworkFileError`` naming the file, the JSON path and the
problem. The format is described in ``framework/FORMAT.md``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from .errors import FrameworkFileError
from .files import content_hash, parse_text, read_file, validate
from .model import (
    CORE,
    CURRENT,
    FRAMEWORK,
    LEADPATH,
    LEVELS,
    REFLECTION,
    STAGES,
    Domain,
    Element,
    Framework,
    Indicator,
    Scale,
    ScalePoint,
    Source,
    Stage,
)

DATA_DIR = Path(__file__).parent / "data"
BUNDLED = (
    "lf-2011",
    "mlcf-2010",
    "clcf-2011",
    "hlm-2013",
    "ukfp-2021",
    "gmc-gpc-2017",
    "gmc-ofg-2018",
)


def load_framework(path: str | Path) -> Framework:
    """Load and validate a framework file (``.json``, ``.yaml`` or ``.yml``)."""
    text, name = read_file(path)
    return load_framework_text(text, name)


def load_framework_text(text: str, source_name: str, fmt: str | None = None) -> Framework:
    """Load and validate framework text, e.g. an institution's uploaded file.

    ``source_name`` is used in error messages and, through its suffix, to tell
    YAML from JSON unless ``fmt`` (``"json"`` or ``"yaml"``) is given.
    """
    document = parse_text(text, source_name, fmt)
    return framework_from_document(document, source_name)


def framework_from_document(document: Any, source_name: str) -> Framework:
    """Validate a parsed document and build the ``Framework``."""
    validate(document, "framework", source_name)
    _check(document, source_name)
    return _build(document, source_name)


@cache
def _bundled(framework_id: str) -> Framework:
    return load_framework(DATA_DIR / f"{framework_id}.json")


def load_bundled() -> dict[str, Framework]:
    """The frameworks shipped with leadpath, by id."""
    return {fid: _bundled(fid) for fid in BUNDLED}


def bundled(framework_id: str) -> Framework:
    """One bundled framework by id; ``KeyError`` if there is none."""
    if framework_id not in BUNDLED:
        raise KeyError(f"no bundled framework {framework_id!r}")
    return _bundled(framework_id)


def _fail(source: str, path: str, problem: str) -> None:
    raise FrameworkFileError(source, path, problem)


def _check(doc: dict, source: str) -> None:
    rating = doc["rating"]
    points = rating.get(STAGES) or rating[LEVELS]
    leadpath_keys = {p.get("number", p.get("id")) for p in points if p.get("origin") == LEADPATH}
    status = doc.get("status", {})
    if status.get("superseded_by") == doc["id"]:
        _fail(source, "status.superseded_by", "a framework cannot be superseded by itself")
    if status.get("superseded_by") and status.get("state") != "superseded":
        _fail(source, "status.state", "must be 'superseded' when 'superseded_by' is given")
    if "importance" in doc:
        _increasing(source, "importance", [p["value"] for p in doc["importance"]["points"]])
    if STAGES in rating:
        numbers = [s["number"] for s in rating[STAGES]]
        for i, number in enumerate(numbers):
            if number != i + 1:
                _fail(
                    source,
                    f"rating.stages[{i}].number",
                    f"stage numbers must run 1, 2, 3… in order; expected {i + 1}, found {number}",
                )
        valid: list = numbers
        noun = "stage"
    else:
        valid = [lv["id"] for lv in rating[LEVELS]]
        _unique(source, valid, "rating.levels[{}].id", "level id")
        noun = "level"

    values = [p["value"] for p in doc["scale"]["points"]]
    _increasing(source, "scale", values)
    if doc["scale"]["demonstrated_from"] not in values:
        _fail(
            source,
            "scale.demonstrated_from",
            f"{doc['scale']['demonstrated_from']} is not a value of the scale",
        )

    _unique(source, [d["id"] for d in doc["domains"]], "domains[{}].id", "domain id")
    indicator_ids: list[str] = []
    indicator_paths: list[str] = []
    for di, domain in enumerate(doc["domains"]):
        ids = [e["id"] for e in domain["elements"]]
        _unique(source, ids, f"domains[{di}].elements[{{}}].id", "element id")
        for ei, element in enumerate(domain["elements"]):
            where = f"domains[{di}].elements[{ei}]"
            if domain.get("scope") == REFLECTION:
                if element["indicators"]:
                    _fail(source, f"{where}.indicators", "a reflection domain is not rated")
                if not element.get("prompt"):
                    _fail(source, where, "an element of a reflection domain needs a 'prompt'")
            for ii, indicator in enumerate(element["indicators"]):
                path = f"domains[{di}].elements[{ei}].indicators[{ii}]"
                stage = indicator["stage"]
                if isinstance(stage, bool) or stage not in valid:
                    listed = ", ".join(str(v) for v in valid)
                    _fail(
                        source,
                        f"{path}.stage",
                        f"{stage!r} is not a {noun} of this framework ({listed})",
                    )
                if stage in leadpath_keys and indicator.get("origin", FRAMEWORK) != LEADPATH:
                    _fail(
                        source,
                        f"{path}.origin",
                        f"{noun} {stage!r} is leadpath's, so its indicators are too; "
                        'add "origin": "leadpath"',
                    )
                indicator_ids.append(indicator["id"])
                indicator_paths.append(f"{path}.id")
    seen: dict[str, str] = {}
    for ind_id, path in zip(indicator_ids, indicator_paths, strict=True):
        if ind_id in seen:
            _fail(source, path, f"duplicate indicator id {ind_id!r} (also used at {seen[ind_id]})")
        seen[ind_id] = path


def _increasing(source: str, where: str, values: list[int]) -> None:
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            _fail(source, f"{where}.points[{i}].value", "scale values must be in increasing order")


def _unique(source: str, ids: list, path_template: str, noun: str) -> None:
    first: dict = {}
    for i, value in enumerate(ids):
        if value in first:
            also = path_template.format(first[value])
            _fail(
                source, path_template.format(i), f"duplicate {noun} {value!r} (also used at {also})"
            )
        first[value] = i


def _scale(sc: dict) -> Scale:
    points = tuple(
        ScalePoint(p["value"], p["label"], p.get("description", "")) for p in sc["points"]
    )
    return Scale(sc["id"], sc["title"], points, sc.get("demonstrated_from"))


def _build(doc: dict, source: str) -> Framework:
    fid = doc["id"]
    rating = doc["rating"]
    kind = STAGES if STAGES in rating else LEVELS
    stages = tuple(
        Stage(
            fid,
            n,
            p["number"] if kind == STAGES else p["id"],
            p["title"],
            p["description"],
            kind,
            p.get("origin", FRAMEWORK),
        )
        for n, p in enumerate(rating[kind], start=1)
    )
    number_of = {s.key: s.number for s in stages}
    domains = tuple(
        Domain(
            fid,
            d["id"],
            d["title"],
            d["description"],
            tuple(
                Element(
                    fid,
                    d["id"],
                    e["id"],
                    e["title"],
                    e["description"],
                    tuple(
                        Indicator(
                            fid,
                            d["id"],
                            e["id"],
                            i["id"],
                            number_of[i["stage"]],
                            i["text"],
                            i["stage"],
                            i.get("origin", FRAMEWORK),
                        )
                        for i in e["indicators"]
                    ),
                    e.get("prompt", ""),
                )
                for e in d["elements"]
            ),
            d.get("scope", CORE),
            d.get("note", ""),
        )
        for d in doc["domains"]
    )
    status = doc.get("status", {})
    return Framework(
        id=fid,
        version=doc["version"],
        title=doc["title"],
        publisher=doc["publisher"],
        licence_note=doc["licence_note"],
        rating_label=rating.get("label", "Level" if kind == LEVELS else "Stage"),
        rating_kind=kind,
        stages=stages,
        scale=_scale(doc["scale"]),
        domains=domains,
        description=doc.get("description", ""),
        content_hash=content_hash(doc),
        source=source,
        kind=doc.get("kind", "leadership-framework"),
        status=status.get("state", CURRENT),
        superseded_by=status.get("superseded_by"),
        status_note=status.get("note", ""),
        attribution=doc.get("attribution", ""),
        independence=doc.get("independence", ""),
        sources=tuple(
            Source(s["title"], s["publisher"], s["year"], s.get("url", ""), s.get("note", ""))
            for s in doc.get("sources", ())
        ),
        rating_note=rating.get("note", ""),
        importance=_scale(doc["importance"]) if "importance" in doc else None,
    )


from .document import to_document  # noqa: E402  (kept importable from here)

__all__ = [
    "BUNDLED",
    "bundled",
    "framework_from_document",
    "load_bundled",
    "load_framework",
    "load_framework_text",
    "to_document",
]
