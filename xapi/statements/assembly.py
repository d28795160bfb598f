"""Shared assembly of leadpath statements with tincan's model, and their serialisation.

Every statement gets our own UUID, a UTC millisecond timestamp ending in ``Z``, the
tool-scoped account as actor, and the context every leadpath statement carries
(xAPI 1.0.3, Data 2.4.6): the LTI resource link as parent, the course, framework and
domain as grouping, the profile as category, and the LTI extensions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import tincan

from xapi import clock
from xapi.statements import iris
from xapi.statements import vocabulary as v
from xapi.statements.model import LaunchContext


def format_timestamp(moment: datetime) -> str:
    """``2026-11-26T14:03:01.123Z``: UTC, milliseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_duration(span: timedelta) -> str:
    """An ISO 8601 duration to the hundredth of a second, e.g. ``PT12M3.5S``."""
    centis = round(span.total_seconds() * 100)
    if centis < 0:
        raise ValueError("durations cannot be negative")
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    seconds = f"{centis // 100}.{centis % 100:02d}".rstrip("0").rstrip(".")
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if seconds != "0" or out == "PT":
        out += f"{seconds}S"
    return out


def activity(iri: str, concept: v.Concept, base_url: str, title: str | None = None):
    """A tincan Activity with a definition naming its type (and title, if known)."""
    definition = tincan.ActivityDefinition(type=concept.iri(base_url))
    if title:
        definition.name = tincan.LanguageMap({"en": title})
    return tincan.Activity(id=iri, object_type="Activity", definition=definition)


def agent(base_url: str, account_name: str, name: str | None = None):
    """An Agent identified only by a tool-scoped account (plus ``name`` if given)."""
    account = tincan.AgentAccount(**iris.account(base_url, account_name))
    return tincan.Agent(object_type="Agent", account=account, name=name or None)


def learner(ctx: LaunchContext):
    """The learner as actor: their account, and their name only when PII is allowed."""
    return agent(ctx.base_url, ctx.learner_id, ctx.learner_name if ctx.include_pii else None)


def learner_ref(ctx: LaunchContext) -> dict[str, Any]:
    """The learner's account as a JSON object, for the ``learner`` extension."""
    return {"objectType": "Agent", "account": iris.account(ctx.base_url, ctx.learner_id)}


def learner_team(ctx: LaunchContext):
    """The learner as the one member of an anonymous Group, for ``context.team``.

    Puts the learner among a statement's related agents (xAPI Data 2.4.6) where someone else
    acts on their work: a supervisor's sign-off, a 360 rating. The account alone, never a
    name, whatever ``include_pii`` says.
    """
    return tincan.Group(member=[agent(ctx.base_url, ctx.learner_id)])


def verb(concept: v.Concept, base_url: str):
    """A tincan Verb with ``en`` and ``en-GB`` display."""
    return tincan.Verb(id=concept.iri(base_url), display=tincan.LanguageMap(concept.display()))


def resource_link(ctx: LaunchContext):
    """The LTI resource link activity of the launch."""
    iri = iris.resource_link_iri(ctx.base_url, ctx.issuer, ctx.resource_link_id)
    return activity(iri, v.RESOURCE_LINK, ctx.base_url, ctx.resource_link_title)


def assessment(ctx: LaunchContext, title: str | None = None):
    """The assessment delivered at the launch's resource link."""
    iri = iris.assessment_iri(ctx.base_url, ctx.issuer, ctx.resource_link_id)
    return activity(iri, v.ASSESSMENT, ctx.base_url, title or ctx.resource_link_title)


def context(
    ctx: LaunchContext,
    *,
    registration: str | None,
    parent: bool = True,
    domain_iri: str | None = None,
    domain_title: str | None = None,
    other: Iterable[Any] = (),
    extensions: Mapping[v.Concept, Any] | None = None,
):
    """The context every leadpath statement carries, plus statement-specific parts."""
    base = ctx.base_url
    grouping = []
    if ctx.context_id is not None:
        course = iris.course_iri(base, ctx.issuer, ctx.context_id)
        grouping.append(activity(course, v.COURSE, base, ctx.context_title))
    grouping.append(activity(ctx.framework_iri, v.FRAMEWORK, base, ctx.framework_title))
    if domain_iri is not None:
        grouping.append(activity(domain_iri, v.DOMAIN, base, domain_title))
    activities = tincan.ContextActivities(
        grouping=tincan.ActivityList(grouping),
        category=tincan.ActivityList([activity(iris.profile_iri(base), v.PROFILE, base)]),
    )
    if parent:
        activities.parent = tincan.ActivityList([resource_link(ctx)])
    other = list(other)
    if other:
        activities.other = tincan.ActivityList(other)
    values = {
        v.LTI_ISSUER: ctx.issuer,
        v.LTI_DEPLOYMENT_ID: ctx.deployment_id,
        v.LTI_CONTEXT_ID: ctx.context_id,
        v.CAREER_PHASE: ctx.career_phase,
        v.FRAMEWORK_VERSION: ctx.framework_version,
        **(extensions or {}),
    }
    return tincan.Context(
        registration=uuid.UUID(registration) if registration else None,
        platform=ctx.platform_product or None,
        context_activities=activities,
        extensions=extension_map(values, base),
    )


def extension_map(values: Mapping[v.Concept, Any], base_url: str):
    """Extensions keyed by concept IRI, leaving out absent values."""
    return tincan.Extensions(
        {concept.iri(base_url): value for concept, value in values.items() if value is not None}
    )


def finish(
    statement,
    *,
    statement_id: str | uuid.UUID | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """Serialise a tincan Statement to the JSON object we send.

    Sets the id and timestamp, drops ``version`` (xAPI 1.0.3, Data 2.4.10: a learning
    record provider should not set it) and writes durations as ``PT12M3.5S``.
    """
    statement.id = uuid.UUID(str(statement_id)) if statement_id else uuid.uuid4()
    moment = timestamp or clock.now()
    stamp = format_timestamp(moment)
    statement.timestamp = moment
    duration = statement.result.duration if statement.result else None
    data = statement.as_version()
    data.pop("version", None)
    data["timestamp"] = stamp
    if duration is not None:
        data["result"]["duration"] = format_duration(duration)
    return data
