"""The report source: the LRS reports read statements from, through the xAPI statements query.

By default the embedded LRS, asked in this process through its own HTTP layer (the same
parameter checks and `more` links as over the network, with a read-only key held in memory);
with LEADPATH_REPORT_LRS_ENDPOINT (and _KEY, _SECRET), any conformant LRS over HTTP. The same
query goes to either, so a report gives the same figures from both.
"""

from __future__ import annotations

import json

from flask import Flask

from lti_tool.settings import Settings
from xapi.reader import EmbeddedTransport, HttpTransport, Transport, read_statements
from xapi.statements import iris

EXTENSION_KEY = "leadpath.report_source"


def open_transport(settings: Settings, engine) -> Transport:
    """Return a transport to the configured report source."""
    if settings.report_lrs_endpoint:
        return HttpTransport(
            settings.report_lrs_endpoint,
            settings.report_lrs_key or "",
            settings.report_lrs_secret or "",
            timeout=(settings.forwarder_connect_timeout, settings.forwarder_read_timeout),
        )
    return EmbeddedTransport(engine, settings.base_url)


def report_transport(app: Flask) -> Transport:
    """Return the app's transport to the report source, made once and kept."""
    transport = app.extensions.get(EXTENSION_KEY)
    if transport is None:
        transport = open_transport(app.config["LEADPATH"], app.extensions["leadpath.db"].engine)
        app.extensions[EXTENSION_KEY] = transport
    return transport


def learner_agent(base_url: str, learner_id: str) -> dict:
    """Return the learner's Agent as statements name it (their tool-scoped account)."""
    return {"objectType": "Agent", "account": iris.account(base_url, learner_id)}


def learner_statements(transport: Transport, base_url: str, learner_id: str) -> list[dict]:
    """Return every statement about a learner, oldest first, each once.

    The learner's account with `related_agents` finds the statements where the learner acts
    and those that name them in `context.team` (a supervisor's sign-off, a 360 rating).
    Statements recorded before sign-offs and ratings named the learner there are found by
    their registration (the learner's attempt), one query per attempt.
    """
    agent = json.dumps(learner_agent(base_url, learner_id), separators=(",", ":"))
    seen: dict[str, dict] = {}
    _read_into(seen, transport, {"agent": agent, "related_agents": "true"})
    registrations = {
        s["context"]["registration"]
        for s in seen.values()
        if s["actor"].get("account", {}).get("name") == learner_id
        and "registration" in s.get("context", {})
    }
    for registration in sorted(registrations):
        _read_into(seen, transport, {"registration": registration})
    return sorted(seen.values(), key=lambda s: (s.get("timestamp", ""), s["id"]))


def _read_into(seen: dict[str, dict], transport: Transport, params: dict[str, str]) -> None:
    for page in read_statements(transport, {**params, "ascending": "true"}):
        for statement in page:
            seen.setdefault(statement["id"], statement)
