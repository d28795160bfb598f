"""The learner's journey pages, inside a launch: the journey itself and its portfolio export.

A learner sees only their own journey (the launch's learner record, with every account linked
to it); the statements come from the report source.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template

from lti_tool.db import get_session
from lti_tool.identity import linking
from lti_tool.reports.chart import journey_svg
from lti_tool.reports.journey import SELF_ASSESSMENT, Journey
from lti_tool.reports.learner import learner_journey
from lti_tool.reports.portfolio import portfolio_pdf
from lti_tool.reports.source import report_transport
from lti_tool.sessions import current_launch, launch_required

bp = Blueprint("journey", __name__)


def _journey_of_launch():
    launch = current_launch()
    session = get_session()
    found = learner_journey(
        session,
        report_transport(current_app),
        current_app.config["LEADPATH"].base_url,
        launch.platform_user.learner_id,
    )
    return launch, session, found


@bp.get("/journey")
@launch_required()
def journey():
    """Show the learner's journey across institutions and career phases."""
    launch, session, (found, _, accounts) = _journey_of_launch()
    names = linking.platform_names(session, {a.issuer for a in accounts})
    selves = [e for e in found.entries if e.kind == SELF_ASSESSMENT]
    titles: dict[str, str] = {}
    for entry in selves:
        titles.update(entry.domain_titles)
    domains = list(titles.items())
    points = [{"date": e.date, "domains": e.domains, "expected": e.expected} for e in selves]
    return render_template(
        "journey.html",
        launch=launch,
        user=launch.platform_user,
        journey=found,
        selves=selves,
        domains=domains,
        chart=journey_svg(points, domains) if points else None,
        accounts=accounts,
        names=names,
        crosswalked=[e for e in selves if e.crosswalk],
    )


@bp.get("/journey/portfolio.pdf")
@launch_required()
def portfolio_pdf_download():
    """Download the learner's portfolio as a PDF that reads well printed."""
    launch, session, (found, _, accounts) = _journey_of_launch()
    names = linking.platform_names(session, {a.issuer for a in accounts})
    user = launch.platform_user
    named = user.name or user.given_name or user.family_name
    pdf = portfolio_pdf(
        found,
        user.display_name if named else "Learner",
        [names.get(a.issuer, a.issuer) for a in accounts],
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="leadpath-portfolio.pdf"'},
    )


@bp.get("/journey/portfolio.json")
@launch_required()
def portfolio_json():
    """Download the learner's portfolio: the journey's evidence and the statements behind it."""
    _, _, (found, statements, _) = _journey_of_launch()
    body = json.dumps(portfolio_bundle(found, statements), indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="leadpath-portfolio.json"'},
    )


def portfolio_bundle(found: Journey, statements: list[dict]) -> dict:
    """Return the JSON bundle: each entry filed as its kind of evidence, with its statements."""
    figures = found.figures()
    for entry in figures["entries"]:
        entry["evidence_type"] = entry.pop("kind")
        entry["crosswalk_indicative"] = entry["crosswalk"] is not None
    return {
        "learner": figures["learner"],
        "framework": figures["framework"],
        "evidence": figures["entries"],
        "statements": statements,
    }
