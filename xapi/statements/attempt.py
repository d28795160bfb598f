"""Statements about a learner's own assessment: launch, attempt life cycle, answers.

Each builder takes the :class:`LaunchContext` and an event, and returns the statement
as a JSON-ready dict. ``statement_id`` and ``timestamp`` default to a new UUID and now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import tincan

from xapi.statements import assembly as a
from xapi.statements import iris
from xapi.statements import vocabulary as v
from xapi.statements.model import Answered, AttemptEvent, Completed, Launch, LaunchContext

Statement = dict[str, Any]


def build_launched(
    ctx: LaunchContext,
    event: Launch | None = None,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner launched the tool from a resource link (ADL ``launched``).

    The resource link is the object, so it is not repeated as the parent.
    """
    event = event or Launch()
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(v.LAUNCHED, ctx.base_url),
        object=a.resource_link(ctx),
        context=a.context(ctx, registration=event.attempt_id, parent=False),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def _attempt_statement(
    concept: v.Concept,
    ctx: LaunchContext,
    event: AttemptEvent,
    statement_id: str | None,
    timestamp: datetime | None,
) -> Statement:
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(concept, ctx.base_url),
        object=a.assessment(ctx, event.assessment_title),
        context=a.context(ctx, registration=event.attempt_id),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_initialized(
    ctx: LaunchContext,
    event: AttemptEvent,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner started an attempt at the assessment (ADL ``initialized``)."""
    return _attempt_statement(v.INITIALIZED, ctx, event, statement_id, timestamp)


def build_suspended(
    ctx: LaunchContext,
    event: AttemptEvent,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner paused an attempt (ADL ``suspended``)."""
    return _attempt_statement(v.SUSPENDED, ctx, event, statement_id, timestamp)


def build_resumed(
    ctx: LaunchContext,
    event: AttemptEvent,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner took up a suspended attempt (ADL ``resumed``)."""
    return _attempt_statement(v.RESUMED, ctx, event, statement_id, timestamp)


def format_ratings(ratings: Mapping[str, int]) -> str:
    """Ratings as a compact response: ``indicator[.]rating`` joined by ``[,]``."""
    return "[,]".join(f"{indicator}[.]{rating}" for indicator, rating in ratings.items())


def question(ctx: LaunchContext, event: Answered):
    """The rating item about the event's element (an ``other`` interaction)."""
    item = a.activity(
        iris.question_iri(event.element_iri), v.QUESTION, ctx.base_url, event.element_title
    )
    item.definition.interaction_type = "other"
    return item


def element_context(ctx: LaunchContext, event: Answered, extensions=None):
    """Context for an element's rating: the domain in grouping, the element in other."""
    element = a.activity(event.element_iri, v.COMPETENCY, ctx.base_url, event.element_title)
    return a.context(
        ctx,
        registration=event.attempt_id,
        domain_iri=event.domain_iri,
        domain_title=event.domain_title,
        other=[element],
        extensions=extensions,
    )


def ratings_result(ctx: LaunchContext, event: Answered):
    """The ratings as a response, with the raw ratings and the stage as extensions."""
    values = {v.RATINGS: dict(event.ratings), v.STAGE: event.stage}
    return tincan.Result(
        response=format_ratings(event.ratings),
        extensions=a.extension_map(values, ctx.base_url),
    )


def build_answered(
    ctx: LaunchContext,
    event: Answered,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner rated themselves on an element's indicators (ADL ``answered``)."""
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(v.ANSWERED, ctx.base_url),
        object=question(ctx, event),
        context=element_context(ctx, event),
        result=ratings_result(ctx, event),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_completed(
    ctx: LaunchContext,
    event: Completed,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner finished an attempt (ADL ``completed``), with score and duration.

    ``success`` says whether the attempt met the stage expected for the career phase.
    """
    score = None
    if event.score_raw is not None:
        span = event.score_max - event.score_min
        score = tincan.Score(
            scaled=round((event.score_raw - event.score_min) / span, 4),
            raw=event.score_raw,
            min=event.score_min,
            max=event.score_max,
        )
    result = tincan.Result(
        score=score,
        success=event.met_expected_stage,
        completion=True,
        duration=event.duration,
        extensions=a.extension_map(
            {v.STAGE: event.stage, v.EXPECTED_STAGE: event.expected_stage}, ctx.base_url
        )
        or None,
    )
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(v.COMPLETED, ctx.base_url),
        object=a.assessment(ctx, event.assessment_title),
        context=a.context(ctx, registration=event.attempt_id),
        result=result,
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)
