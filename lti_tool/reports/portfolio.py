"""The learner's portfolio as a PDF, made with WeasyPrint, for appraisal, revalidation and ARCP.

Each entry is filed as the kind of evidence ePortfolios (Horus, Turas, Kaizen) take: a
self-assessment, a multi-source feedback summary, a supervisor sign-off — with its date,
institution, career phase and framework, and its stage per domain against the phase's
expectation. Nothing is fetched while rendering: the page carries its own styles.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template

from lti_tool.reports.journey import Journey

# Types of evidence as ePortfolios file them.
EVIDENCE_TITLES = {
    "self-assessment": "Self-assessment",
    "multi-source feedback summary": "Multi-source feedback (360) summary",
    "supervisor sign-off": "Supervisor sign-off",
}


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the portfolio fetches nothing ({url})")


def portfolio_pdf(found: Journey, learner_name: str, accounts: list[str]) -> bytes:
    """Return the portfolio of a journey as PDF bytes."""
    from weasyprint import HTML

    page = render_template(
        "journey_portfolio.html",
        journey=found,
        learner_name=learner_name,
        accounts=accounts,
        titles=EVIDENCE_TITLES,
        made=datetime.now(UTC).strftime("%d %B %Y"),
    )
    return HTML(string=page, url_fetcher=_no_fetching).write_pdf()
