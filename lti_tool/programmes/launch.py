"""Grant a programme lead from a launch: custom `programme=` from a platform the programme trusts.

Only an instructor or administrator of the launch is granted, and only when the programme's
scope names the launching platform; the launch then lands on `/programme`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import logs
from lti_tool.lti import claims as c
from lti_tool.lti.roles import ADMINISTRATOR, INSTRUCTOR
from lti_tool.models import LaunchSession
from lti_tool.programmes import service
from lti_tool.programmes.models import Programme


def grant_on_launch(session: Session, launch: LaunchSession, claims: dict) -> str | None:
    """Grant the launch's user the programme its custom parameter names, when allowed."""
    custom = claims.get(c.CUSTOM)
    slug = custom.get("programme") if isinstance(custom, dict) else None
    if not isinstance(slug, str) or not slug:
        return None
    if not {INSTRUCTOR, ADMINISTRATOR} & set(launch.roles):
        return None
    programme = session.scalar(select(Programme).where(Programme.slug == slug))
    user = launch.platform_user
    if programme is None or not service.trusts(programme, user.issuer):
        logs.event("programme_grant_refused", programme=slug, issuer=user.issuer)
        return None
    service.grant(session, slug, user.issuer, user.sub, via=service.LAUNCH)
    return "programme.index"
