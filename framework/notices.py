"""Notices pages show beside framework content: independence, attribution, status.

The texts are data (``data/notices.json``) so they can be reviewed without
reading code. ``framework_notices`` gives, for one framework, every sentence
a page offering or reporting on it should show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .model import LEADPATH, Framework

NOTICES_FILE = Path(__file__).parent / "data" / "notices.json"


@dataclass(frozen=True)
class Notices:
    """The general notices: independence, indicative crosswalks, leadpath-defined content."""

    independence: str
    indicative_crosswalk: str
    leadpath_defined: str


@cache
def general_notices() -> Notices:
    """The bundled general notices."""
    doc = json.loads(NOTICES_FILE.read_text(encoding="utf-8"))
    return Notices(doc["independence"], doc["indicative_crosswalk"], doc["leadpath_defined"])


def defines_own_content(framework: Framework) -> bool:
    """True when any stage or indicator of the framework is leadpath's, not the framework's."""
    return any(s.origin == LEADPATH for s in framework.stages) or any(
        i.origin == LEADPATH for i in framework.indicators()
    )


def framework_notices(framework: Framework) -> list[str]:
    """Sentences to show with a framework, most important first.

    Its status if superseded, its attribution and licence note, a note when
    leadpath defines some of its stages or indicators, and the independence
    statements (the framework's own and the general one).
    """
    out = []
    if framework.is_superseded and framework.status_note:
        out.append(framework.status_note)
    out += [text for text in (framework.attribution, framework.licence_note) if text]
    if defines_own_content(framework):
        out.append(general_notices().leadpath_defined)
    if framework.independence:
        out.append(framework.independence)
    out.append(general_notices().independence)
    return out
