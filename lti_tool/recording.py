"""Turn leadpath's events into xAPI statements queued in the outbox, in the caller's transaction.

Every state change that matters to an LRS calls one of these with the SQLAlchemy session of
that change, so the change and its statements commit (or roll back) together.
"""

from __future__ import annotations

import functools
import json
import uuid

from flask import Flask, current_app
from sqlalchemy.orm import Session

from framework.iri import framework_iri
from lti_tool.assess.framework_versions import version_summary
from lti_tool.learner_history import statements_about
from lti_tool.lti import claims as c
from lti_tool.models import LaunchSession
from xapi import clock
from xapi import statements as xs
from xapi.outbox import enqueue
from xapi.statements.assembly import format_timestamp
from xapi.statements.reissue import voids_and_reissues

DEFAULT_FRAMEWORK = "lf-2011"


def launch_context(
    launch: LaunchSession,
    *,
    framework_id: str,
    framework_version: str,
    framework_title: str | None = None,
    career_phase: str | None = None,
) -> xs.LaunchContext:
    """Describe the launch for the statement builders (names only with XAPI_INCLUDE_PII)."""
    settings = current_app.config["LEADPATH"]
    user = launch.platform_user
    link = launch.resource_link
    course = launch.course
    platform = launch.claims.get(c.TOOL_PLATFORM) or {}
    return xs.LaunchContext(
        base_url=settings.base_url,
        learner_id=user.learner_id,
        issuer=user.issuer,
        deployment_id=launch.claims.get(c.DEPLOYMENT_ID, ""),
        resource_link_id=link.link_id if link else "none",
        resource_link_title=link.title if link else None,
        context_id=course.context_id if course else None,
        context_title=course.title if course else None,
        platform_product=platform.get("product_family_code") or platform.get("name"),
        career_phase=career_phase,
        framework_iri=framework_iri(settings.base_url, framework_id),
        framework_version=framework_version,
        framework_title=framework_title,
        include_pii=settings.xapi_include_pii,
        learner_name=user.display_name if user.name or user.given_name else None,
    )


def queue(
    session: Session, launch: LaunchSession, statements: list[dict], learner_id: str | None = None
) -> list[str]:
    """Add statements to the outbox in `session`'s transaction; return their ids."""
    return enqueue(
        session,
        statements,
        learner_key=learner_id or launch.platform_user.learner_id,
        platform_issuer=launch.platform_user.issuer,
        course_id=launch.course.context_id if launch.course else None,
    )


def queue_reissues(session: Session, former_learner_id: str, learner_id: str) -> int:
    """Void and re-issue, under `learner_id`, the statements naming a merged learner.

    They are read from the embedded LRS and the outbox (`lti_tool.learner_history`), and go
    out behind the originals (same learner key and destinations), so an LRS holds each
    original before its voiding statement. Returns how many statements were re-issued.
    """
    base_url = current_app.config["LEADPATH"].base_url
    reissued = 0
    for said in statements_about(session.connection(), base_url, former_learner_id):
        made = voids_and_reissues([said.statement], base_url, former_learner_id, learner_id)
        if made:
            enqueue(
                session,
                made,
                learner_key=former_learner_id,
                platform_issuer=said.platform_issuer,
                course_id=said.course_id,
            )
            reissued += len(made) // 2
    return reissued


def _on_launch(session: Session, launch: LaunchSession, claims: dict) -> None:
    """Record a `launched` statement for every accepted resource link launch."""
    if claims.get(c.MESSAGE_TYPE) != c.RESOURCE_LINK_REQUEST:
        return
    custom = claims.get(c.CUSTOM) or {}
    framework_id = custom.get("framework") or DEFAULT_FRAMEWORK
    version = version_summary(session, framework_id) or version_summary(session, DEFAULT_FRAMEWORK)
    context = launch_context(
        launch,
        framework_id=version.framework_id,
        framework_version=version.version,
        framework_title=version.title,
        career_phase=custom.get("career_phase"),
    )
    queue(session, launch, [launched_statement(context)])


@functools.lru_cache(maxsize=4096)
def _launched_body(context: xs.LaunchContext) -> str:
    return json.dumps(xs.build_launched(context, xs.Launch()))


def launched_statement(context: xs.LaunchContext) -> dict:
    """Return a `launched` statement; its body is built once per launch context and reused."""
    statement = json.loads(_launched_body(context))
    statement["id"] = str(uuid.uuid4())
    statement["timestamp"] = format_timestamp(clock.now())
    return statement


def init_app(app: Flask) -> None:
    """Emit a statement for every launch."""
    from lti_tool.lti.views import on_launch

    on_launch(app, _on_launch)
