"""Confirming a link found by professional registration number, in each person's own launch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from lti_tool.db import get_db, get_session
from lti_tool.errors import UserFacingError
from lti_tool.identity import linking, registration_numbers
from lti_tool.identity.statements import queue_link_statements
from lti_tool.models import LaunchSession
from lti_tool.sessions import current_launch, launch_required, launch_url
from xapi.lrs.formats import whole_number

bp = Blueprint("identity_registration", __name__)


@bp.get("/identity/registration-links")
@launch_required()
def offers():
    """Ask the person whether an account on another platform with their number is theirs."""
    launch = current_launch()
    session = get_session()
    found = registration_numbers.open_offers(session, launch.platform_user_id)
    names = linking.platform_names(session, {o.other_issuer for o in found})
    page = render_template(
        "identity/registration_links.html",
        offers=found,
        names=names,
        done=request.args.get("done"),
        token=request.values.get("ls"),
    )
    return page, 200, {"Cache-Control": "no-store"}


def _offer_id(raw: str) -> int:
    offer_id = whole_number(raw, 12)
    if offer_id is None:
        raise UserFacingError("There is no such link to confirm.", code="offer_unknown", status=404)
    return offer_id


@bp.post("/identity/registration-links/<raw_id>")
@launch_required()
def decide(raw_id: str):
    """Confirm or decline one offer; the records join once both people have confirmed."""
    offer_id = _offer_id(raw_id)
    answer = request.form.get("answer")
    if answer not in {"confirm", "decline"}:
        raise UserFacingError("Choose whether the account is yours.", code="answer_missing")
    launch = current_launch()
    try:
        with get_db().transaction() as session:
            tx_launch = session.get(LaunchSession, launch.token_hash)
            user_id = tx_launch.platform_user_id
            if answer == "decline":
                registration_numbers.decline(session, user_id, offer_id)
                done = "declined"
            else:
                moved = registration_numbers.confirm(session, user_id, offer_id)
                queue_link_statements(session, tx_launch, moved)
                done = "linked" if moved else "confirmed"
    except linking.LinkError as exc:
        raise UserFacingError(
            str(exc), code=exc.code, status=exc.status, title="The accounts were not linked"
        ) from None
    return redirect(launch_url("identity_registration.offers", done=done), code=303)
