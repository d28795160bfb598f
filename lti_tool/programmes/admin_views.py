"""The administrators' programmes page (/admin/programmes): define, scope, grant, remove.

The same changes as `leadpath programme …`, each in one transaction; a change that cannot be
made shows the page again with the reason at the top (HTTP 400).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from lti_tool.admin.auth import admin_required, check_csrf
from lti_tool.db import get_db, get_session
from lti_tool.models import Platform
from lti_tool.programmes import service
from lti_tool.programmes.models import Programme

bp = Blueprint("programme_admin", __name__, url_prefix="/admin/programmes")

ACTIONS = ("add", "scope", "grant", "remove")


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(error: str | None = None, status: int = 200, done: str | None = None):
    session = get_session()
    programmes = session.scalars(select(Programme).order_by(Programme.slug)).all()
    platforms = session.scalars(select(Platform).order_by(Platform.issuer)).all()
    issuers = list(dict.fromkeys(p.issuer for p in platforms))
    return (
        render_template(
            "programme/admin.html",
            programmes=programmes,
            issuers=issuers,
            error=error,
            done=done,
            form=request.form,
        ),
        status,
    )


@bp.get("")
@admin_required
def index():
    """List programmes with their scope and leads, and the forms to change them."""
    return _page(done=request.args.get("done"))


@bp.post("")
@admin_required
def change():
    """Make one change asked for by a form on the page."""
    check_csrf()
    form = request.form
    action = form.get("action")
    if action not in ACTIONS:
        return _page("Choose one of the forms on this page.", 400)
    slug = (form.get("programme") or "").strip()
    try:
        with get_db().transaction() as session:
            if action == "add":
                service.add(session, slug, form.get("title"))
            elif action == "scope":
                service.add_scope(
                    session,
                    slug,
                    (form.get("issuer") or "").strip(),
                    (form.get("deployment") or "").strip() or None,
                    (form.get("course") or "").strip() or None,
                )
            elif action == "grant":
                service.grant(
                    session,
                    slug,
                    (form.get("issuer") or "").strip(),
                    (form.get("sub") or "").strip(),
                    via=service.ADMIN,
                )
            else:
                service.remove(session, slug)
    except service.ProgrammeError as exc:
        return _page(str(exc), 400)
    return redirect(url_for("programme_admin.index", done=action), 303)
