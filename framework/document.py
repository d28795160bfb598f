"""A loaded framework written back as a definition file document.

The app stores this document for every framework version, so it must carry
every field: optional fields are written only when they differ from their
default, which makes a bundled file come back exactly as it is stored (same
content hash).
"""

from __future__ import annotations

from typing import Any

from .model import CORE, CURRENT, FRAMEWORK, STAGES, Framework, Scale


def _points(scale: Scale) -> list[dict]:
    return [
        {"value": p.value, "label": p.label}
        | ({"description": p.description} if p.description else {})
        for p in scale.points
    ]


def _optional(**fields: Any) -> dict:
    """The fields whose value is not the default (empty, None, core or framework)."""
    return {k: v for k, v in fields.items() if v not in ("", None, (), CORE, FRAMEWORK)}


def to_document(framework: Framework) -> dict:
    """The framework as a file document (valid against the schema).

    Optional fields are written only when they differ from their default, so a
    bundled file comes back exactly as it is stored (same content hash).
    """
    stage_key = "number" if framework.rating_kind == STAGES else "id"
    points = [
        {stage_key: s.key, "title": s.title, "description": s.description}
        | _optional(origin=s.origin)
        for s in framework.stages
    ]
    doc: dict[str, Any] = {
        "format": 1,
        "id": framework.id,
        "version": framework.version,
        "title": framework.title,
    }
    if framework.description:
        doc["description"] = framework.description
    if framework.kind != "leadership-framework":
        doc["kind"] = framework.kind
    doc |= {"publisher": framework.publisher, "licence_note": framework.licence_note}
    doc |= _optional(attribution=framework.attribution, independence=framework.independence)
    if framework.sources:
        doc["sources"] = [
            {"title": s.title, "publisher": s.publisher, "year": s.year}
            | _optional(url=s.url, note=s.note)
            for s in framework.sources
        ]
    if framework.status != CURRENT or framework.status_note:
        doc["status"] = {"state": framework.status} | _optional(
            superseded_by=framework.superseded_by, note=framework.status_note
        )
    rating: dict[str, Any] = {"label": framework.rating_label}
    rating |= _optional(note=framework.rating_note)
    rating[framework.rating_kind] = points
    key_of = {s.number: s.key for s in framework.stages}
    scale: dict[str, Any] = {"id": framework.scale.id, "title": framework.scale.title}
    if framework.scale.demonstrated_from is not None:
        scale["demonstrated_from"] = framework.scale.demonstrated_from
    scale["points"] = _points(framework.scale)
    doc |= {
        "rating": rating,
        "scale": scale,
        "domains": [
            {"id": d.id, "title": d.title, "description": d.description}
            | _optional(scope=d.scope, note=d.note)
            | {
                "elements": [
                    {"id": e.id, "title": e.title, "description": e.description}
                    | _optional(prompt=e.prompt)
                    | {
                        "indicators": [
                            {"id": i.id, "stage": key_of[i.stage], "text": i.text}
                            | _optional(origin=i.origin)
                            for i in e.indicators
                        ]
                    }
                    for e in d.elements
                ]
            }
            for d in framework.domains
        ],
    }
    if framework.importance is not None:
        doc["importance"] = {
            "id": framework.importance.id,
            "title": framework.importance.title,
            "points": _points(framework.importance),
        }
    return doc
