"""The /identity page: link another platform's account with a one-time code, or unlink one.

Every link and unlink queues its statement in the same transaction. A launch that carries a
professional registration number from an opted-in platform may open an offer to link, which
both people confirm (registration_views.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from sqlalchemy.orm import Session

from lti_tool.db import get_db, get_session
from lti_tool.errors import UserFacingError
from lti_tool.identity import linking, registration_numbers
from lti_tool.identity.statements import identity_context as _context
from lti_tool.identity.statements import queue_link_statements
from lti_tool.lti import claims as c
from lti_tool.models import LaunchSession, PlatformUser
from lti_tool.programmes import consent
from lti_tool.recording import queue
from lti_tool.sessions import current_launch, launch_required, launch_url
from xapi import statements as xs
from xapi.lrs.formats import whole_number

bp = Blueprint("identity", __name__)
REGISTRATION_PARAM = "professional_registration"


def _policy() -> linking.LinkPolicy:
    settings = current_app.config["LEADPATH"]
    return linking.LinkPolicy(
        secret=current_app.config["SECRET_KEY"],
        code_minutes=settings.link_code_minutes,
        max_failures=settings.link_code_max_failures,
        lockout_minutes=settings.link_code_lockout_minutes,
    )


def _link_on_launch(session: Session, launch: LaunchSession, claims: dict) -> str | None:
    """Note a registration number; land on the link offers when one awaits this person."""
    if claims.get(c.MESSAGE_TYPE) != c.RESOURCE_LINK_REQUEST:
        return None
    raw = (claims.get(c.CUSTOM) or {}).get(REGISTRATION_PARAM)
    if isinstance(raw, str) and raw.strip() and not raw.startswith("$"):
        launch.platform_user = session.get(PlatformUser, launch.platform_user.id)
        registration_numbers.note_number(session, launch, raw, current_app.config["SECRET_KEY"])
    if registration_numbers.open_offers(session, launch.platform_user.id):
        return "identity_registration.offers"
    return None


def _page(status: int = 200, **values):
    launch = current_launch()
    session = get_session()
    user = launch.platform_user
    linked = linking.identities(session, user.learner_id)
    platform = linking.launch_platform(session, launch)
    response = current_app.make_response(
        (
            render_template(
                "identity/page.html",
                user=user,
                linked=linked,
                names=linking.platform_names(session, {u.issuer for u in linked}),
                by_registration=linking.links_by_registration_number(session, platform),
                locked_until=linking.locked_until(session, user),
                code_minutes=current_app.config["LEADPATH"].link_code_minutes,
                done=request.args.get("done"),
                token=request.values.get("ls"),
                **values,
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/identity")
@launch_required()
def page():
    """Show the learner's linked accounts and the forms to link or unlink one."""
    return _page()


@bp.post("/identity/code")
@launch_required()
def new_code():
    """Issue a one-time link code for this learner and show it once."""
    launch = current_launch()
    with get_db().transaction() as session:
        user = session.get(PlatformUser, launch.platform_user_id)
        code, expires_at = linking.issue_code(session, user, _policy())
    return _page(code=code, expires_at=expires_at)


@bp.post("/identity/link")
@launch_required()
def link():
    """Join this account to the record that issued the code; refuse with 4xx otherwise."""
    launch = current_launch()
    policy = _policy()
    user_id = launch.platform_user_id
    # Give the request's connection back while this view runs its own transactions: a burst
    # of codes must not hold two connections per request and drain the pool.
    get_session().commit()
    db = get_db()
    with db.sessions() as session:
        until = linking.locked_until(session, session.get(PlatformUser, user_id))
    if until is not None:
        return _locked(until)
    try:
        with db.transaction() as session:
            tx_launch = session.get(LaunchSession, launch.token_hash)
            moved = linking.redeem_code(
                session, tx_launch.platform_user, request.form.get("code", ""), policy
            )
            queue_link_statements(session, tx_launch, moved)
            if request.form.get("share_history") == "yes":
                consent.record(session, tx_launch, True)
    except linking.LinkError as exc:
        with db.transaction() as session:
            until = linking.record_failure(session, user_id, policy)
        if until is not None:
            return _locked(until)
        # A mistyped or stale code keeps the learner on the page, the error beside the field.
        message = f"{exc} Ask for a new code on your other platform if it has expired."
        error = {"code": exc.code, "message": message}
        return _page(exc.status, error=error, entered=request.form.get("code", ""))
    return redirect(launch_url("identity.page", done="linked"), code=303)


def _locked(until):
    """Answer 429 on the page itself, saying when codes may be entered again."""
    message = (
        f"Too many wrong link codes were entered from this account. Try again after "
        f"{until:%H:%M} UTC with a new code from your other platform."
    )
    error = {"code": "too_many_codes", "message": message, "href": "#enter-heading"}
    return _page(429, error=error)


@bp.post("/identity/unlink")
@launch_required()
def unlink():
    """Give another linked account a learner record of its own again."""
    launch = current_launch()
    identity_id = whole_number(request.form.get("identity", ""))
    if identity_id is None:
        raise UserFacingError(
            "Choose the account to unlink (the form sent no account leadpath knows).",
            code="identity_missing",
        )
    try:
        with get_db().transaction() as session:
            tx_launch = session.get(LaunchSession, launch.token_hash)
            other = linking.unlink(session, tx_launch.platform_user, identity_id)
            names = linking.platform_names(session, {other.issuer})
            statement = xs.build_identity_unlinked(
                _context(session, tx_launch),
                xs.IdentityLink(
                    linked_issuer=other.issuer,
                    linked_subject=other.sub,
                    linked_platform_name=names[other.issuer],
                ),
            )
            queue(session, tx_launch, [statement])
    except linking.LinkError as exc:
        raise UserFacingError(
            str(exc), code=exc.code, status=exc.status, title="The account was not unlinked"
        ) from None
    return redirect(launch_url("identity.page", done="unlinked"), code=303)


def init_app(app: Flask) -> None:
    """Serve the identity page and link by registration number on launch."""
    from lti_tool.identity import registration_views
    from lti_tool.lti.views import on_launch

    app.register_blueprint(bp)
    app.register_blueprint(registration_views.bp)
    on_launch(app, _link_on_launch)
