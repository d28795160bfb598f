"""Statements of a learner's consent: given, or withdrawn.

The object is the thing agreed to, e.g. ``{base}/consents/programme-history``: that programmes
the learner trains in may see records made outside their scope (the linked history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tincan

from xapi.statements import assembly as a
from xapi.statements import vocabulary as v
from xapi.statements.model import LaunchContext

PROGRAMME_HISTORY = "programme-history"
TITLES = {PROGRAMME_HISTORY: "Programmes I train in may see my linked history"}


def consent_iri(base_url: str, key: str) -> str:
    """``{base}/consents/{key}``: the agreement asked for."""
    return f"{base_url.rstrip('/')}/consents/{key}"


def _consent_statement(
    concept: v.Concept,
    ctx: LaunchContext,
    key: str,
    statement_id: str | None,
    timestamp: datetime | None,
) -> dict[str, Any]:
    consent = a.activity(consent_iri(ctx.base_url, key), v.CONSENT, ctx.base_url, TITLES[key])
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(concept, ctx.base_url),
        object=consent,
        context=a.context(ctx, registration=None),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_consent_given(
    ctx: LaunchContext,
    key: str = PROGRAMME_HISTORY,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The learner agreed (leadpath ``consented``)."""
    return _consent_statement(v.CONSENTED, ctx, key, statement_id, timestamp)


def build_consent_withdrawn(
    ctx: LaunchContext,
    key: str = PROGRAMME_HISTORY,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The learner withdrew an agreement (leadpath ``withdrew-consent``)."""
    return _consent_statement(v.WITHDREW_CONSENT, ctx, key, statement_id, timestamp)
