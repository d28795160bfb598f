"""Launch sessions: what a launch grants, carried as a token so it works in an LMS iframe.

Browsers that block third-party cookies inside the LMS iframe would lose a cookie session, so
the token travels in the page's links and forms (`ls`) or the `X-Leadpath-Session` header.
Pages send `Referrer-Policy: same-origin`, so the token never leaves leadpath in a Referer.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from flask import g, request, url_for
from sqlalchemy import select

from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti.records import hash_token
from lti_tool.models import LaunchSession, utcnow

TOKEN_PARAM = "ls"
TOKEN_HEADER = "X-Leadpath-Session"


def _expired() -> UserFacingError:
    return UserFacingError(
        "Your leadpath session has ended or this link is incomplete.",
        hint="Open the activity again from your course in the LMS.",
        code="session_missing",
        status=401,
        title="Please open leadpath from your course",
    )


def current_launch() -> LaunchSession:
    """Return the request's launch session, or refuse with 401."""
    if "launch_session" in g:
        return g.launch_session
    token = request.values.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if not token:
        raise _expired()
    found = get_session().scalar(
        select(LaunchSession).where(LaunchSession.token_hash == hash_token(token))
    )
    if found is None or found.expires_at < utcnow():
        raise _expired()
    g.launch_session = found
    g.launch_token = token
    return found


def launch_required(*roles: str):
    """Require a launch session, and one of `roles` when given (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            launch = current_launch()
            if roles and not set(roles) & set(launch.roles):
                raise UserFacingError(
                    "This page is for " + " or ".join(roles) + "s of the course.",
                    hint="Ask the course's instructor if you need access.",
                    code="role_required",
                    status=403,
                    title="Not available with your role",
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator


def launch_url(endpoint: str, token: str | None = None, **values) -> str:
    """Return url_for(endpoint) carrying the launch session token."""
    token = token or g.get("launch_token")
    base = url_for(endpoint, **values)
    if not token:
        return base
    return base + ("&" if "?" in base else "?") + urlencode({TOKEN_PARAM: token})
