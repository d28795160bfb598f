"""One learner's journey as the pages and `leadpath report learner` give it.

The statements come from the report source; platform names and linked accounts from the
tool's own tables (they are not figures, only labels).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.identity import linking
from lti_tool.reports.journey import Journey, build_journey
from lti_tool.reports.source import learner_statements
from xapi.reader import Transport
from xapi.statements import vocabulary as v

# The columns of `leadpath report learner --format csv`, one row per entry and domain.
CSV_COLUMNS = (
    "learner", "date", "evidence", "institution", "course", "career_phase", "framework",
    "registration", "domain", "stage", "expected_stage", "indicative_stage_now", "raters",
    "adjusted",
)  # fmt: skip


def learner_journey(
    session: Session, transport: Transport, base_url: str, learner_id: str
) -> tuple[Journey, list[dict], list]:
    """Return a learner's journey, the statements it rests on, and their linked accounts."""
    statements = learner_statements(transport, base_url, learner_id)
    accounts = linking.identities(session, learner_id)
    issuer_iri = v.LTI_ISSUER.iri(base_url)
    issuers = {a.issuer for a in accounts}
    for s in statements:
        issuer = s.get("context", {}).get("extensions", {}).get(issuer_iri)
        if isinstance(issuer, str):
            issuers.add(issuer)
    names = linking.platform_names(session, issuers)
    return build_journey(statements, base_url, learner_id, names), statements, accounts


def csv_rows(found: Journey) -> list[list]:
    """Return the journey as rows of CSV_COLUMNS (an entry without domains gets one row)."""
    rows = []
    for e in found.entries:
        domains = list(e.domains) or [None]
        for domain in domains:
            rows.append(
                [
                    found.learner_id, e.date, e.kind, e.platform, e.course, e.phase, e.framework,
                    e.registration, domain, e.domains.get(domain) if domain else None,
                    e.expected.get(domain) if domain else None,
                    (e.crosswalk or {}).get(domain) if domain else None,
                    e.raters if e.kind != "self-assessment" else None,
                    e.adjusted,
                ]
            )  # fmt: skip
    return rows
