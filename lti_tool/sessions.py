"""Launch sessions: what a launch grants, carried as a token so it works in an LMS iframe.

Browsers that block third-party cookies inside the LMS iframe would lose a cookie session, so
the token travels in the body of the page's forms (`ls`), in its links (where a page is opened
by a plain link), or in the `X-Leadpath-Session` header. A token is bound to the launch that
made it: it works only from the browser that launched (its User-Agent, kept as a hash), ends
after `LEADPATH_SESSION_IDLE_MINUTES` unused and after `LEADPATH_SESSION_HOURS` in all. Access
logs redact it (`lti_tool.redaction`); pages send `Referrer-Policy: same-origin`, so it never
leaves leadpath in a Referer.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app, g, request, url_for
from sqlalchemy import select, update

from lti_tool.db import get_session
from lti_tool.errors import UserFacingError
from lti_tool.lti.records import hash_token
from lti_tool.models import LaunchSession, utcnow

TOKEN_PARAM = "ls"
TOKEN_HEADER = "X-Leadpath-Session"
# A session's idle deadline is moved on at most once a minute, not written on every request.
RENEW_AFTER = timedelta(minutes=1)


def client_hash() -> str:
    """Return the hash naming the requesting browser (its User-Agent) for binding a session."""
    return hashlib.sha256(request.headers.get("User-Agent", "").encode()).hexdigest()


def lifetime() -> tuple[timedelta, timedelta]:
    """Return (at most, idle) for launch sessions, from the settings."""
    settings = current_app.config["LEADPATH"]
    return timedelta(hours=settings.session_hours), timedelta(minutes=settings.session_idle_minutes)


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
    session = get_session()
    found = session.scalar(
        select(LaunchSession).where(LaunchSession.token_hash == hash_token(token))
    )
    now = utcnow()
    if found is None or found.expires_at < now:
        raise _expired()
    if found.client_hash is not None and found.client_hash != client_hash():
        raise _expired()
    _renew(session, found, now)
    g.launch_session = found
    g.launch_token = token
    return found


def _renew(session, found: LaunchSession, now) -> None:
    """Move the session's idle deadline on (never past its creation plus the longest life)."""
    longest, idle = lifetime()
    renewed = min(found.created_at + longest, now + idle)
    if renewed - found.expires_at < RENEW_AFTER:
        return
    session.execute(
        update(LaunchSession)
        .where(LaunchSession.token_hash == found.token_hash)
        .values(expires_at=renewed)
    )
    session.commit()
    found.expires_at = renewed


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
