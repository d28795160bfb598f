"""The 360 report: self against others per element, hiding what could reveal one rater.

`framework.multirater` shows a group's figures only with `LEADPATH_FEEDBACK_MIN_RATERS`
answers (exempt groups, the line manager by default, from one) and holds back "others" while a
hidden group's raters number between one and the threshold (they could be subtracted out).
On top of that the report shows "others" only with at least `ALL_OTHERS_MIN` answers outside
the line manager and the exempt groups, so it never repeats one named rater's figure, and
shows a comment only when its rater's group is shown. Every figure and comment comes from the
answers `feedback_steps` has released, so two readings never differ by one rater's answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from framework.multirater import (
    GAP_LABELS,
    LINE_MANAGER,
    SELF,
    GroupSummary,
    RaterResponse,
    aggregate_360,
    notable_gaps,
)
from lti_tool.assess import feedback_importance as importance
from lti_tool.assess.charts import comparison_svg
from lti_tool.assess.feedback import GROUP_TITLES, release_state
from lti_tool.assess.feedback_steps import ordered, release
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt, FeedbackInvitation, FeedbackResponse
from lti_tool.assess.stage_forms import domains_in_scope, element_paths

ALL_OTHERS_MIN = 4
_HIDDEN_OTHERS = {
    "others_mean": None,
    "gap": None,
    "others_median": None,
    "others_low": None,
    "others_high": None,
    "gap_stages": None,
    "label": None,
}


def _others_guarded(summary: dict, responses: list, named: set[str]) -> dict:
    """Hold back "others" on elements with fewer than ALL_OTHERS_MIN answers outside `named`."""
    guarded = {}
    for path, element in summary.items():
        anonymous = sum(
            1
            for r in responses
            if r.group != SELF and r.group not in named and r.values.get(path) is not None
        )
        guarded[path] = (
            element if anonymous >= ALL_OTHERS_MIN else replace(element, **_HIDDEN_OTHERS)
        )
    return guarded


def _with_waiting(summary: dict, answers: list) -> dict:
    """Give a group with no released figures its count of answers so far ("hidden (n)")."""
    given = Counter(
        (inv.rater_group, path)
        for inv, resp in answers
        for path, value in resp.ratings.items()
        if value is not None
    )
    out = {}
    for path, element in summary.items():
        groups = tuple(
            g if g.raters else GroupSummary(g.group, given[(g.group, path)], None, False)
            for g in element.groups
        )
        pooled = sum(given[(g.group, path)] for g in element.groups)
        out[path] = replace(element, groups=groups, others_raters=pooled)
    return out


def step_of(settings):
    """Return the release step of a rater group: one for an exempt group, else the threshold."""
    exempt = set(settings.feedback_exempt_groups)
    return lambda group: 1 if group in exempt else settings.feedback_min_raters


def build_report(session: Session, attempt: Attempt) -> dict:
    """Compare self with others per element, hiding groups with too few raters."""
    settings = current_app.config["LEADPATH"]
    framework = framework_of(attempt.framework_version)
    paths = element_paths(framework, attempt.domains)
    own = {r.element_path: r.picked_stage for r in attempt.responses}
    answers = ordered(
        session.execute(
            select(FeedbackInvitation, FeedbackResponse)
            .join(FeedbackResponse, FeedbackResponse.invitation_id == FeedbackInvitation.id)
            .where(FeedbackInvitation.attempt_id == attempt.id)
        ).all()
    )
    released, released_comments = release(answers, step_of(settings))
    responses = [RaterResponse("self", SELF, own), *released]
    summary = aggregate_360(
        responses,
        min_raters=settings.feedback_min_raters,
        exempt_groups=settings.feedback_exempt_groups,
        elements=paths,
        gap_threshold=settings.feedback_gap_threshold,
    )
    named = {LINE_MANAGER, *settings.feedback_exempt_groups}
    summary = _with_waiting(_others_guarded(summary, responses, named), answers)
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
    commented = [(inv.id, (r.comments or {}).get("overall")) for inv, r in answers]
    commented = [(inv_id, text) for inv_id, text in commented if text]
    comments = sorted(text for inv_id, text in commented if inv_id in released_comments)
    waiting = sum(
        1
        for (inv, resp), mine in zip(answers, released, strict=True)
        if inv.id not in released_comments
        or len(mine.values) < sum(v is not None for v in resp.ratings.values())
    )
    return {
        "framework": framework,
        "domains": domains,
        "charts": charts,
        "summary": summary,
        "importance": importance.summary(
            framework, attempt, answers, settings, ALL_OTHERS_MIN, released=released_comments
        ),
        "gaps": notable_gaps(summary),
        "gap_labels": GAP_LABELS,
        "gap_threshold": settings.feedback_gap_threshold,
        "raters": raters,
        "responses": len(answers),
        "min_raters": settings.feedback_min_raters,
        "exempt": ", ".join(GROUP_TITLES[g].lower() for g in settings.feedback_exempt_groups),
        "comments": comments,
        "comments_held": any(inv_id not in released_comments for inv_id, _ in commented),
        "waiting": waiting,
        "all_others_min": ALL_OTHERS_MIN,
        "release": release_state(session, attempt),
    }
