"""An activity offers only the assessment it was set up for.

A launch session belongs to one resource link, whose custom parameters say what it delivers
(`lti_tool.assess.offer`). Pages of another kind of assessment refuse it (403), so a learner in
a self-assessment activity cannot open the 360 pages and send invitations from it. Pages
opened without a launch session (a rater's link) are left to their own checks.
"""

from __future__ import annotations

from flask import Flask, request

from lti_tool.assess.offer import TITLES, read_offer
from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.sessions import TOKEN_HEADER, TOKEN_PARAM, current_launch

# blueprint -> the kind of activity its launch pages belong to
KIND_OF_BLUEPRINT = {"feedback": "360"}


def _carries_launch() -> bool:
    return bool(request.values.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER))


def check_activity() -> None:
    """Refuse (403) a launch whose activity delivers another kind of assessment."""
    kind = KIND_OF_BLUEPRINT.get(request.blueprint or "")
    if kind is None or not _carries_launch():
        return
    link = current_launch().resource_link
    offer = read_offer(get_session(), link.custom if link else None)
    if offer.kind != kind:
        raise UserFacingError(
            f"This activity delivers {offer.title.lower()}, not {TITLES[kind].lower()}.",
            hint="Go back to your leadpath home page and use the link shown there.",
            code="activity_kind",
            status=403,
            title="Not part of this activity",
        )


def init_app(app: Flask) -> None:
    """Check every request to an assessment's pages against its launch's activity."""
    app.before_request(check_activity)
