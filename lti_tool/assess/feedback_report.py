"""The 360 report: self against others per element, hiding groups with too few raters."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.multirater import SELF, RaterResponse, aggregate_360, biggest_gaps
from lti_tool.assess.charts import comparison_svg
from lti_tool.assess.feedback import GROUP_TITLES
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt, FeedbackInvitation, FeedbackResponse
from lti_tool.assess.stage_forms import domains_in_scope, element_paths


def build_report(session: Session, attempt: Attempt) -> dict:
    """Compare self with others per element, hiding groups with too few raters."""
    settings = current_app.config["LEADPATH"]
    framework = framework_of(attempt.framework_version)
    paths = element_paths(framework, attempt.domains)
    own = {r.element_path: r.picked_stage for r in attempt.responses}
    answers = session.execute(
        select(FeedbackInvitation, FeedbackResponse)
        .join(FeedbackResponse, FeedbackResponse.invitation_id == FeedbackInvitation.id)
        .where(FeedbackInvitation.attempt_id == attempt.id)
    ).all()
    responses = [RaterResponse("self", SELF, own)]
    responses += [RaterResponse(inv.id, inv.rater_group, resp.ratings) for inv, resp in answers]
    summary = aggregate_360(
        responses,
        min_raters=settings.feedback_min_raters,
        exempt_groups=settings.feedback_exempt_groups,
        elements=paths,
    )
    raters = {g: sum(1 for inv, _ in answers if inv.rater_group == g) for g in GROUP_TITLES}
    domains = domains_in_scope(framework, attempt.domains)
    charts = {
        d.id: comparison_svg(
            [
                (e.title, summary[e.path].self_value, summary[e.path].others_mean)
                for e in d.elements
            ],
            framework.max_stage,
            chart_id=f"fb-chart-{n}",
            title=f"{d.title}: self compared with others, per element",
        )
        for n, d in enumerate(domains, start=1)
    }
    comments = sorted((resp.comments or {}).get("overall") for _, resp in answers if resp.comments)
    return {
        "framework": framework,
        "domains": domains,
        "charts": charts,
        "summary": summary,
        "gaps": biggest_gaps(summary),
        "raters": raters,
        "responses": len(answers),
        "min_raters": settings.feedback_min_raters,
        "exempt": ", ".join(GROUP_TITLES[g].lower() for g in settings.feedback_exempt_groups),
        "comments": comments if len(answers) >= settings.feedback_min_raters else [],
        "comments_held": bool(comments) and len(answers) < settings.feedback_min_raters,
    }
