"""Administrator sign-in (username and password, not an LTI role), session and CSRF token.

The session lives in the database (see sessions.py); the signed Flask cookie carries only its
random token and the CSRF token. Wrong passwords are throttled per account and per address
(throttle.py).
"""

from __future__ import annotations

import functools
import hmac
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from lti_tool.admin import sessions, throttle
from lti_tool.errors import UserFacingError

bp = Blueprint("admin", __name__, url_prefix="/admin")
SESSION_KEY = "admin_session"  # the cookie value: a token of an AdminSession row


def _engine():
    return current_app.extensions["leadpath.db"].engine


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    if "admin_csrf" not in session:
        session["admin_csrf"] = secrets.token_urlsafe(32)
    return session["admin_csrf"]


def check_csrf() -> None:
    """Refuse a form post whose csrf_token does not match the session's."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("admin_csrf", "")
    # compared as bytes: compare_digest refuses text with characters beyond ASCII
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form has expired; reload the page and try again.")


def current_admin() -> str | None:
    """Return the signed-in administrator's username, checked against the database."""
    if "admin_user" not in g:
        g.admin_user = sessions.current_user(_engine(), session.get(SESSION_KEY))
    return g.admin_user


def admin_required(view):
    """Send people who have not signed in as an administrator to the sign-in page."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not current_admin():
            session.pop(SESSION_KEY, None)
            session.pop("admin_user", None)
            return redirect(url_for("admin.login", next=request.full_path))
        return view(**kwargs)

    return wrapped


@bp.app_context_processor
def _inject():
    return {"csrf_token": csrf_token}


def safe_next(target: str | None) -> str:
    """Return target when it is a path on this site, else the statement browser."""
    fallback = url_for("admin.browse")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    # Browsers drop tabs and newlines and read a backslash as a slash: "/\t/evil" is "//evil".
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else fallback


def _throttle() -> throttle.Throttle:
    settings = current_app.config["LEADPATH"]
    return throttle.Throttle(settings.admin_max_failures, settings.admin_lockout_minutes)


def _too_many(until) -> UserFacingError:
    return UserFacingError(
        "Too many wrong passwords were entered for this account or from this address.",
        hint=f"Try again after {until:%H:%M} UTC. An administrator can reset a forgotten "
        "password with `leadpath admin create-user NAME`.",
        code="too_many_sign_ins",
        status=429,
        title="Please wait before signing in again",
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in an administrator."""
    error = None
    if request.method == "POST":
        check_csrf()
        from xapi.lrs.admins import check_admin

        username = request.form.get("username", "").strip()
        engine = _engine()
        keys = throttle.keys_for(username, request.remote_addr)
        until = throttle.locked_until(engine, keys)
        if until is not None:
            raise _too_many(until)
        if check_admin(engine, username, request.form.get("password", "")):
            throttle.clear(engine, username)
            sessions.end(engine, session.get(SESSION_KEY))
            session.clear()
            session[SESSION_KEY] = sessions.start(engine, username)
            session["admin_user"] = username  # shown in page headers; the row above decides
            session["admin_csrf"] = secrets.token_urlsafe(32)
            return redirect(safe_next(request.args.get("next")))
        until = throttle.record_failure(engine, keys, _throttle())
        if until is not None:
            raise _too_many(until)
        error = "That username and password do not match an LRS administrator."
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the session ends on the server, so a copied cookie no longer works."""
    check_csrf()
    sessions.end(_engine(), session.get(SESSION_KEY))
    session.clear()
    return redirect(url_for("admin.login"))
