"""What a completed result gives evidence for under other frameworks and curricula (indicative).

A result is read through every bundled crosswalk *from* its framework (LF 2011 and HLM 2013 to
the curricula, LF to HLM, MLCF and CLCF to LF), with ``framework.crosswalk.translate``. A
crosswalk is never read backwards here: the reverse of a many-to-many crosswalk is refused by
``Crosswalk.inverse`` and would claim more than the evidence shows. Every translated figure is
leadpath's own mapping, so pages label it indicative (``general_notices().indicative_crosswalk``).
"""

from __future__ import annotations

from framework.crosswalk import load_bundled_crosswalks, translate
from framework.loader import load_bundled
from framework.model import Framework


def evidence_for(framework: Framework, result: dict) -> list[dict]:
    """Return, per target framework, each target element's indicative stage.

    Each item: ``framework`` (the target), ``indicative`` (always true for bundled
    crosswalks), ``statement`` (the crosswalk's own note) and ``rows`` of (element title,
    stage title) in the target's order.
    """
    attained = {
        path: element["attained"]
        for path, element in (result.get("elements") or {}).items()
        if element.get("attained") is not None
    }
    if not attained:
        return []
    targets = load_bundled()
    out = []
    for crosswalk in load_bundled_crosswalks().values():
        target = targets.get(crosswalk.target)
        if crosswalk.source != framework.id or target is None:
            continue
        read = translate(attained, crosswalk)
        rows = [
            (e.title, _stage_title(target, read[e.path]))
            for e in target.elements()
            if e.path in read
        ]
        if rows:
            out.append(
                {
                    "framework": target,
                    "indicative": crosswalk.indicative,
                    "statement": crosswalk.statement,
                    "rows": rows,
                }
            )
    return sorted(
        out, key=lambda item: (item["framework"].kind != "curriculum", item["framework"].id)
    )


def _stage_title(framework: Framework, stage: int) -> str:
    if stage == 0:
        return f"not yet at the first {framework.rating_label.lower()}"
    return framework.stage(stage).title
