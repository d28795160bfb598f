"""A trainee's consent to programmes seeing their linked history: recorded with its statement.

Given when linking (the link form's checkbox) or later on /identity, withdrawn on /identity;
each change is one transaction holding the answer and its `consented` / `withdrew-consent`
statement.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from sqlalchemy.orm import Session

from lti_tool.db import get_db, get_session
from lti_tool.identity.statements import identity_context
from lti_tool.models import LaunchSession
from lti_tool.programmes import service
from lti_tool.recording import queue
from lti_tool.sessions import current_launch, launch_required, launch_url
from xapi import statements as xs

bp = Blueprint("consent", __name__)


def record(session: Session, launch: LaunchSession, agreed: bool) -> bool:
    """Record the answer of the launch's learner and queue its statement, if it changed."""
    learner_id = launch.platform_user.learner_id
    if not service.set_consent(session, learner_id, agreed):
        return False
    build = xs.build_consent_given if agreed else xs.build_consent_withdrawn
    queue(session, launch, [build(identity_context(session, launch))], learner_id=learner_id)
    return True


@bp.app_template_global("history_shared")
def history_shared(learner_id: str) -> bool:
    """Return True when the learner shares their linked history with their programmes.

    Read through the request's own session: a page must not hold a second connection (a burst
    of requests would drain the pool).
    """
    return service.consent_of(get_session(), learner_id)


@bp.post("/identity/sharing")
@launch_required()
def sharing():
    """Give or withdraw consent to programmes seeing the learner's linked history."""
    launch = current_launch()
    agreed = request.form.get("share") == "yes"
    with get_db().transaction() as session:
        changed = record(session, session.get(LaunchSession, launch.token_hash), agreed)
    done = ("shared" if agreed else "unshared") if changed else "unchanged"
    return redirect(launch_url("identity.page", done=done) + "#sharing-heading", code=303)
