"""Statements on validation, 360 ratings, competencies and linked platform identities.

Builders take the :class:`LaunchContext` of the launch in which the event happened and
return a JSON-ready dict; ``statement_id`` and ``timestamp`` default to a new UUID and now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tincan

from xapi.statements import assembly as a
from xapi.statements import iris
from xapi.statements import vocabulary as v
from xapi.statements.attempt import element_context, question, ratings_result
from xapi.statements.model import (
    CompetencyEvent,
    FeedbackSummary,
    IdentityLink,
    LaunchContext,
    Rated,
    Validated,
)

Statement = dict[str, Any]


def build_validated(
    ctx: LaunchContext,
    event: Validated,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """A supervisor verified a learner's attempt (TLA ``verified``).

    The supervisor, who did the checking, is the actor (their tool-scoped account; their
    name only with ``include_pii``); the object is the assessment, ``registration`` the
    learner's attempt; the learner is the one member of ``context.team`` (so an ``agent``
    query with ``related_agents`` finds the sign-off) and the ``learner`` extension names
    them too. ``result.success`` is true: the attempt is signed off; the ``adjusted``
    extension says whether the supervisor changed any stage from the learner's own.
    """
    name = event.supervisor_name if ctx.include_pii else None
    values = {v.STAGE: event.stage, v.ADJUSTED: not event.agreed}
    statement = tincan.Statement(
        actor=a.agent(ctx.base_url, event.supervisor_id, name),
        verb=a.verb(v.VERIFIED, ctx.base_url),
        object=a.assessment(ctx, event.assessment_title),
        context=a.context(
            ctx, registration=event.attempt_id, extensions={v.LEARNER: a.learner_ref(ctx)}
        ),
        result=tincan.Result(success=True, extensions=a.extension_map(values, ctx.base_url)),
    )
    statement.context.team = a.learner_team(ctx)
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_rated(
    ctx: LaunchContext,
    event: Rated,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """A 360 rater rated the learner on an element (leadpath ``rated``).

    The actor is an anonymised account, ``rater:`` + a hash of ``invite_id`` (leadpath gives a
    random pseudonym per answer), and never carries a name or email. ``registration`` is the
    learner's attempt; the learner is the one member of ``context.team`` (so an ``agent`` query
    with ``related_agents`` finds the rating) and the ``learner`` extension says whom the rating
    is about. A ``rater-group`` extension is added only when the event names a group (leadpath
    never does).
    """
    extensions = {v.LEARNER: a.learner_ref(ctx)}
    if event.rater_group is not None:
        extensions[v.RATER_GROUP] = event.rater_group
    statement = tincan.Statement(
        actor=a.agent(ctx.base_url, iris.rater_account_name(event.invite_id)),
        verb=a.verb(v.RATED, ctx.base_url),
        object=question(ctx, event),
        context=element_context(ctx, event, extensions),
        result=ratings_result(ctx, event),
    )
    statement.context.team = a.learner_team(ctx)
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_feedback_summary(
    ctx: LaunchContext,
    event: FeedbackSummary,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner received a released step of a rater group's figures on an element.

    The actor is the learner; the object is the element's rating item; the group is the
    ``rater-group`` context extension; the result carries only the group's ``mean-stage``
    and how many ``raters`` it pools, never one rater's stages or comment. leadpath sends one
    when a group's answers on the element reach a whole step of the threshold (see the
    profile's ``feedback-summary`` template).
    """
    values = {v.MEAN_STAGE: event.mean_stage, v.RATERS: event.raters}
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(v.FEEDBACK_SUMMARY, ctx.base_url),
        object=question(ctx, event),
        context=element_context(ctx, event, {v.RATER_GROUP: event.rater_group}),
        result=tincan.Result(extensions=a.extension_map(values, ctx.base_url)),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def _competency_statement(
    concept: v.Concept, ctx: LaunchContext, event: CompetencyEvent, result
) -> tincan.Statement:
    evidence = list(event.evidence) or None
    return tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(concept, ctx.base_url),
        object=a.activity(event.element_iri, v.COMPETENCY, ctx.base_url, event.element_title),
        context=a.context(
            ctx,
            registration=event.attempt_id,
            domain_iri=event.domain_iri,
            domain_title=event.domain_title,
            extensions={v.EVIDENCE: evidence},
        ),
        result=result,
    )


def _stage_extensions(ctx: LaunchContext, event: CompetencyEvent):
    values = {v.STAGE: event.stage, v.EXPECTED_STAGE: event.expected_stage}
    return a.extension_map(values, ctx.base_url)


def build_competency_assessed(
    ctx: LaunchContext,
    event: CompetencyEvent,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner was assessed in an element (TLA ``assessed``; object a TLA competency).

    The score is the stage out of ``stage_max``; ``success`` is whether it reached the
    expected stage, when one is given.
    """
    success = None if event.expected_stage is None else event.stage >= event.expected_stage
    result = tincan.Result(
        score=tincan.Score(
            scaled=round(event.stage / event.stage_max, 4),
            raw=event.stage,
            min=0,
            max=event.stage_max,
        ),
        success=success,
        extensions=_stage_extensions(ctx, event),
    )
    statement = _competency_statement(v.ASSESSED, ctx, event, result)
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_competency_asserted(
    ctx: LaunchContext,
    event: CompetencyEvent,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner's stage in an element is asserted (TLA ``asserted``), e.g. once validated.

    ``evidence`` should list the ids of the statements it rests on.
    """
    result = tincan.Result(extensions=_stage_extensions(ctx, event))
    statement = _competency_statement(v.ASSERTED, ctx, event, result)
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def _identity_statement(
    concept: v.Concept,
    ctx: LaunchContext,
    event: IdentityLink,
    statement_id: str | None,
    timestamp: datetime | None,
) -> Statement:
    platform = a.activity(
        iris.platform_iri(ctx.base_url, event.linked_issuer),
        v.LTI_PLATFORM,
        ctx.base_url,
        event.linked_platform_name,
    )
    extensions = {
        v.LINKED_ISSUER: event.linked_issuer,
        v.LINKED_SUBJECT_SHA256: iris.linked_subject_hash(
            event.linked_issuer, event.linked_subject
        ),
    }
    if event.former_learner_id is not None:
        extensions[v.FORMER_ACCOUNT] = {
            "objectType": "Agent",
            "account": iris.account(ctx.base_url, event.former_learner_id),
        }
    statement = tincan.Statement(
        actor=a.learner(ctx),
        verb=a.verb(concept, ctx.base_url),
        object=platform,
        context=a.context(ctx, registration=None, extensions=extensions),
    )
    return a.finish(statement, statement_id=statement_id, timestamp=timestamp)


def build_identity_linked(
    ctx: LaunchContext,
    event: IdentityLink,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner linked another platform's identity (leadpath ``linked-identity``).

    The object is the other platform; its user id appears only as a salted SHA-256.
    """
    return _identity_statement(v.LINKED, ctx, event, statement_id, timestamp)


def build_identity_unlinked(
    ctx: LaunchContext,
    event: IdentityLink,
    *,
    statement_id: str | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """The learner removed a linked platform identity (leadpath ``unlinked-identity``)."""
    return _identity_statement(v.UNLINKED, ctx, event, statement_id, timestamp)
