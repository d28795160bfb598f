"""The learner's portfolio as a PDF, made with WeasyPrint, for appraisal, revalidation and ARCP.

Each entry is filed as the kind of evidence ePortfolios (Horus, Turas, Kaizen) take: a
self-assessment, a multi-source feedback summary, a supervisor sign-off — with its date,
institution, career phase and framework, and its stage per domain against the phase's
expectation. Nothing is fetched while rendering: the styles (portfolio.css) are handed over
with the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import render_template

from lti_tool.reports.journey import Journey

STYLES = Path(__file__).with_name("portfolio.css")

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
    from weasyprint import CSS, HTML

    page = render_template(
        "journey_portfolio.html",
        journey=found,
        learner_name=learner_name,
        accounts=accounts,
        titles=EVIDENCE_TITLES,
        made=datetime.now(UTC).strftime("%d %B %Y"),
    )
    styles = CSS(string=STYLES.read_text(), url_fetcher=_no_fetching)
    return HTML(string=page, url_fetcher=_no_fetching).write_pdf(stylesheets=[styles])
