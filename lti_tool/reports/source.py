"""The report source: the LRS reports read statements from, through the xAPI statements query.

By default the embedded LRS, asked in this process through its query code (`StoreTransport`:
the statements query's filters, answered from the store without a round trip through JSON);
with LEADPATH_REPORT_LRS_ENDPOINT (and _KEY, _SECRET), any conformant LRS over HTTP. The same
query goes to either, so a report gives the same figures from both (a test holds them equal
for a generated cohort).
"""

from __future__ import annotations

import json

from flask import Flask

from lti_tool.settings import Settings
from xapi.reader import HttpTransport, Transport, read_statements
from xapi.statements import iris
from xapi.statements import vocabulary as v

EXTENSION_KEY = "leadpath.report_source"


class StoreTransport:
    """The statements query answered by the embedded LRS's query code, in this process.

    Takes the filters reports use (agent, related_agents, registration, verb, ascending) and
    answers with every matching statement (not voided) in one StatementResult.
    """

    name = "the embedded LRS"

    def __init__(self, engine):
        self.engine = engine

    def get(self, url: str, params: dict[str, str] | None) -> dict:
        """Return every statement matching `params` as one StatementResult."""
        from dataclasses import replace

        from xapi.lrs import StatementQuery, query_statements

        params = params or {}
        query = StatementQuery(
            agent=json.loads(params["agent"]) if "agent" in params else None,
            related_agents=params.get("related_agents") == "true",
            registration=params.get("registration"),
            verb=params.get("verb"),
            ascending=params.get("ascending") == "true",
        )
        found: list[dict] = []
        while True:
            page = query_statements(self.engine, query)
            found += page.statements()
            if page.next_after is None:
                return {"statements": found, "more": ""}
            query = replace(query, after=page.next_after)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""


def open_transport(settings: Settings, engine) -> Transport:
    """Return a transport to the configured report source."""
    if settings.report_lrs_endpoint:
        return HttpTransport(
            settings.report_lrs_endpoint,
            settings.report_lrs_key or "",
            settings.report_lrs_secret or "",
            timeout=(settings.forwarder_connect_timeout, settings.forwarder_read_timeout),
        )
    return StoreTransport(engine)


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
    Sign-offs and ratings recorded before they named the learner there are found by their
    registration (the learner's attempt) and verb: `verified` for each attempt without a
    sign-off found, `rated` for each 360 without a rating found — small queries, since what
    the first query found is not read again.
    """
    agent = json.dumps(learner_agent(base_url, learner_id), separators=(",", ":"))
    seen: dict[str, dict] = {}
    _read_into(seen, transport, {"agent": agent, "related_agents": "true"})
    verified, rated = v.VERIFIED.iri(base_url), v.RATED.iri(base_url)
    found: dict[str, set[str]] = {}
    for s in seen.values():
        if registration := s.get("context", {}).get("registration"):
            found.setdefault(registration, set()).add(s["verb"]["id"])
    for registration, verbs in sorted(found.items()):
        for verb in (verified, rated):
            if verb not in verbs and _may_have(verb, verbs, base_url):
                _read_into(seen, transport, {"registration": registration, "verb": verb})
    return sorted(seen.values(), key=lambda s: (s.get("timestamp", ""), s["id"]))


def _may_have(verb: str, verbs: set[str], base_url: str) -> bool:
    """Whether an attempt with these verbs may have statements of `verb` by others."""
    if verb == v.VERIFIED.iri(base_url):
        return v.COMPLETED.iri(base_url) in verbs  # a completed self-assessment
    return v.COMPLETED.iri(base_url) not in verbs  # a 360: the learner's own self-rating


def _read_into(seen: dict[str, dict], transport: Transport, params: dict[str, str]) -> None:
    for page in read_statements(transport, {**params, "ascending": "true"}):
        for statement in page:
            seen.setdefault(statement["id"], statement)
