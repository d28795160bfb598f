"""Invitation rules that keep a learner from planting or replacing raters to expose one."""

from sqlalchemy import select

from lti_tool.assess.models import FeedbackInvitation
from tests.support.feedback_helpers import PATHS, invitations_shown, invite, rate, start_360


def _invite(client, token, group, email):
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    form = {"ls": token, "rater_group": group, "email": email}
    return client.post(
        "/feedback/invitations", data={**form, "invited": str(invitations_shown(hub))}
    )


def _withdraw(client, db, token, email):
    with db.sessions() as session:
        invitation_id = session.scalar(
            select(FeedbackInvitation.id).where(FeedbackInvitation.email == email)
        )
    assert (
        client.post(f"/feedback/invitations/{invitation_id}/revoke?ls={token}").status_code == 303
    )


def test_an_address_is_invited_once_across_groups_even_after_withdrawal(client, platform, db):
    token = start_360(client, platform, "inv-twice")
    invite(client, token, "peer", email="sam@example.test")
    refused = _invite(client, token, "direct-report", "Sam@Example.test")
    assert refused.status_code == 400
    assert "already invited that address" in refused.get_data(as_text=True)
    assert "Traceback" not in refused.get_data(as_text=True)
    _withdraw(client, db, token, "sam@example.test")
    again = _invite(client, token, "peer", "sam@example.test")
    assert again.status_code == 400 and "even after an invitation is withdrawn" in again.get_data(
        as_text=True
    )


def test_a_withdrawn_line_manager_cannot_be_replaced_past_the_groups_places(client, platform, db):
    token = start_360(client, platform, "inv-replace")
    first = invite(client, token, "line-manager", email="boss-1@example.test")
    assert rate(client, first, [3] * len(PATHS)).status_code == 200
    _withdraw(client, db, token, "boss-1@example.test")
    invite(client, token, "line-manager", email="boss-2@example.test")
    _withdraw(client, db, token, "boss-2@example.test")
    refused = _invite(client, token, "line-manager", "boss-3@example.test")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "used all 2 invitations for the line manager group" in page


def test_own_addresses_and_own_session_are_refused(client, platform, db):
    token = start_360(client, platform, "inv-own")  # launched with jo@example.test
    assert _invite(client, token, "peer", "JO@example.test").status_code == 400
    link = invite(client, token, "peer")
    zeros = {f"stage-{p}": "0" for p in PATHS}
    assert client.get(f"/feedback/r/{link}?ls={token}").status_code == 403
    assert client.post(f"/feedback/r/{link}?ls={token}", data=zeros).status_code == 403
    assert client.post(f"/feedback/r/{link}", data=zeros).status_code == 200  # the rater can
