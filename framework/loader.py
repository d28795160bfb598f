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

from .errors import FrameworkFileError, parse_text, read_file, validate
from .model import LEVELS, STAGES, Domain, Element, Framework, Indicator, Scale, ScalePoint, Stage
from .registry import content_hash

DATA_DIR = Path(__file__).parent / "data"
BUNDLED = ("lf-2011", "mlcf-2010", "clcf-2011", "hlm-2013")


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
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            _fail(source, f"scale.points[{i}].value", "scale values must be in increasing order")
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
                indicator_ids.append(indicator["id"])
                indicator_paths.append(f"{path}.id")
    seen: dict[str, str] = {}
    for ind_id, path in zip(indicator_ids, indicator_paths, strict=True):
        if ind_id in seen:
            _fail(source, path, f"duplicate indicator id {ind_id!r} (also used at {seen[ind_id]})")
        seen[ind_id] = path


def _unique(source: str, ids: list, path_template: str, noun: str) -> None:
    first: dict = {}
    for i, value in enumerate(ids):
        if value in first:
            also = path_template.format(first[value])
            _fail(
                source, path_template.format(i), f"duplicate {noun} {value!r} (also used at {also})"
            )
        first[value] = i


def _build(doc: dict, source: str) -> Framework:
    fid = doc["id"]
    rating = doc["rating"]
    if STAGES in rating:
        kind = STAGES
        stages = tuple(
            Stage(fid, s["number"], s["number"], s["title"], s["description"], STAGES)
            for s in rating[STAGES]
        )
    else:
        kind = LEVELS
        stages = tuple(
            Stage(fid, n, lv["id"], lv["title"], lv["description"], LEVELS)
            for n, lv in enumerate(rating[LEVELS], start=1)
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
                        )
                        for i in e["indicators"]
                    ),
                )
                for e in d["elements"]
            ),
        )
        for d in doc["domains"]
    )
    sc = doc["scale"]
    scale = Scale(
        sc["id"],
        sc["title"],
        tuple(ScalePoint(p["value"], p["label"], p.get("description", "")) for p in sc["points"]),
        sc["demonstrated_from"],
    )
    return Framework(
        id=fid,
        version=doc["version"],
        title=doc["title"],
        publisher=doc["publisher"],
        licence_note=doc["licence_note"],
        rating_label=rating.get("label", "Level" if kind == LEVELS else "Stage"),
        rating_kind=kind,
        stages=stages,
        scale=scale,
        domains=domains,
        description=doc.get("description", ""),
        content_hash=content_hash(doc),
        source=source,
    )


def to_document(framework: Framework) -> dict:
    """The framework as a file document (valid against the schema)."""
    if framework.rating_kind == STAGES:
        points = [
            {"number": s.number, "title": s.title, "description": s.description}
            for s in framework.stages
        ]
    else:
        points = [
            {"id": s.key, "title": s.title, "description": s.description} for s in framework.stages
        ]
    doc: dict[str, Any] = {
        "format": 1,
        "id": framework.id,
        "version": framework.version,
        "title": framework.title,
    }
    if framework.description:
        doc["description"] = framework.description
    key_of = {s.number: s.key for s in framework.stages}
    doc |= {
        "publisher": framework.publisher,
        "licence_note": framework.licence_note,
        "rating": {"label": framework.rating_label, framework.rating_kind: points},
        "scale": {
            "id": framework.scale.id,
            "title": framework.scale.title,
            "demonstrated_from": framework.scale.demonstrated_from,
            "points": [
                {"value": p.value, "label": p.label}
                | ({"description": p.description} if p.description else {})
                for p in framework.scale.points
            ],
        },
        "domains": [
            {
                "id": d.id,
                "title": d.title,
                "description": d.description,
                "elements": [
                    {
                        "id": e.id,
                        "title": e.title,
                        "description": e.description,
                        "indicators": [
                            {"id": i.id, "stage": key_of[i.stage], "text": i.text}
                            for i in e.indicators
                        ],
                    }
                    for e in d.elements
                ],
            }
            for d in framework.domains
        ],
    }
    return doc
