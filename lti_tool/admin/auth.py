"""Administrator sign-in (username and password, not an LTI role), session and CSRF token."""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    if "admin_csrf" not in session:
        session["admin_csrf"] = secrets.token_urlsafe(32)
    return session["admin_csrf"]


def check_csrf() -> None:
    """Refuse a form post whose csrf_token does not match the session's."""
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("admin_csrf", "")):
        abort(400, "The form has expired; reload the page and try again.")


def admin_required(view):
    """Send people who have not signed in as an administrator to the sign-in page."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if not session.get("admin_user"):
            return redirect(url_for("admin.login", next=request.full_path))
        return view(**kwargs)

    return wrapped


@bp.app_context_processor
def _inject():
    return {"csrf_token": csrf_token}


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("admin.browse")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in an administrator."""
    error = None
    if request.method == "POST":
        check_csrf()
        from xapi.lrs.admins import check_admin

        username = request.form.get("username", "").strip()
        engine = current_app.extensions["leadpath.db"].engine
        if check_admin(engine, username, request.form.get("password", "")):
            session.clear()
            session["admin_user"] = username
            session["admin_csrf"] = secrets.token_urlsafe(32)
            return redirect(_safe_next(request.args.get("next")))
        error = "That username and password do not match an LRS administrator."
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    check_csrf()
    session.pop("admin_user", None)
    return redirect(url_for("admin.login"))
