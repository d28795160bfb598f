"""What pages say beside framework content: status, attribution, independence, indicative results.

The sentences are framework data (``framework.notices``); this module only hands them to
templates (``templates/_framework_notices.html``) so every page that offers or reports on a
framework shows the same ones.
"""

from __future__ import annotations

from flask import Flask

from framework.model import Framework
from framework.notices import defines_own_content, framework_notices, general_notices


def notices_for(framework: Framework) -> list[str]:
    """Return a framework's notices, its status note left out (pages show that apart)."""
    status = framework.status_note if framework.is_superseded else None
    return [text for text in framework_notices(framework) if text != status]


def superseded_by_title(framework: Framework) -> str:
    """Return what replaced a superseded framework, e.g. "Healthcare Leadership Model (2013)"."""
    names = {"hlm-2013": "Healthcare Leadership Model (2013)"}
    return names.get(framework.superseded_by or "", framework.superseded_by or "")


def init_app(app: Flask) -> None:
    """Give templates the notices helpers."""
    app.jinja_env.globals.update(
        framework_notices=notices_for,
        superseded_by_title=superseded_by_title,
        defines_own_content=defines_own_content,
        general_notices=general_notices,
    )
