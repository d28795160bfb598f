"""360 invitations by email: leadpath mails raters their links; the learner never sees them.

The SMTP server is real (aiosmtpd on loopback); a refused connection is a closed loopback port.
"""

import re
import socket

from sqlalchemy import select, update

from lti_tool.assess.models import FeedbackInvitation, FeedbackMail
from lti_tool.models import utcnow
from tests.support.feedback_helpers import invitations_shown, invite, rate, self_rate, start_360
from tests.support.lti_helpers import error_code
from tests.support.mail_helpers import REPLY_TO, SENDER, link_in, sender, smtp


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _send_invitation(client, token, email, group="peer"):
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    form = {"ls": token, "rater_group": group, "email": email}
    form["invited"] = str(invitations_shown(hub))
    return client.post("/feedback/invitations", data=form)


def _mail_row(db, email):
    with db.sessions() as session:
        invitation = session.scalar(
            select(FeedbackInvitation).where(FeedbackInvitation.email == email)
        )
        return session.scalar(
            select(FeedbackMail).where(FeedbackMail.invitation_id == invitation.id)
        )


def test_the_rater_gets_the_link_by_email_and_the_learner_never_sees_it(client, platform, db):
    token = start_360(client, platform, "mail-basic")
    created = _send_invitation(client, token, "sam@example.test")
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    assert "/feedback/r/" not in page and "leadpath is emailing an invitation to" in page
    assert "Sending" in page

    assert sender(db.sessions).send_due()["sent"] >= 1  # other tests' mails may be due too
    message = smtp().inbox.to("sam@example.test")[-1]
    assert message["From"] == SENDER and message["Reply-To"] == REPLY_TO
    assert "Jo" in message["Subject"]
    link = link_in(message)
    assert client.get(f"/feedback/r/{link}").status_code == 200
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert link not in hub and "/feedback/r/" not in hub and "Sent" in hub
    row = _mail_row(db, "sam@example.test")
    assert row.status == "sent" and row.body == "" and row.to_address == ""  # the link is gone


def test_a_mail_survives_an_smtp_outage_and_is_sent_after_backoff(client, platform, db):
    token = start_360(client, platform, "mail-outage")
    assert _send_invitation(client, token, "kim@example.test").status_code == 201
    down = sender(db.sessions, url=f"smtp://127.0.0.1:{_closed_port()}", backoff_seconds=60)
    assert down.send_due()["retry"] >= 1
    row = _mail_row(db, "kim@example.test")
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > utcnow()
    assert "ConnectionRefusedError" in row.last_error and "kim" not in row.last_error
    sender(db.sessions).send_due()
    assert smtp().inbox.to("kim@example.test") == []  # still backing off: not yet due

    with db.sessions.begin() as session:
        session.execute(
            update(FeedbackMail).where(FeedbackMail.id == row.id).values(next_attempt_at=utcnow())
        )
    assert sender(db.sessions).send_due()["sent"] >= 1
    assert len(smtp().inbox.to("kim@example.test")) == 1
    assert _mail_row(db, "kim@example.test").status == "sent"


def test_a_permanent_refusal_is_kept_and_shown_to_the_learner(client, platform, db):
    token = start_360(client, platform, "mail-refused")
    assert _send_invitation(client, token, "nobody@example.test").status_code == 201
    smtp().inbox.refuse = "550 5.1.1 mailbox unavailable"
    try:
        assert sender(db.sessions).send_due()["dead"] >= 1
    finally:
        smtp().inbox.refuse = None
    row = _mail_row(db, "nobody@example.test")
    assert row.status == "dead" and "SMTP 550" in row.last_error and row.body == ""
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert "Could not be delivered" in hub


def test_the_learner_cannot_invite_their_own_address(client, platform, db):
    token = start_360(client, platform, "mail-own")
    refused = _send_invitation(client, token, "Jo@Example.test")  # the launch's email claim
    assert refused.status_code == 400
    assert "not your own" in refused.get_data(as_text=True)
    with db.sessions() as session:
        assert (
            session.scalar(
                select(FeedbackInvitation).where(FeedbackInvitation.email == "Jo@Example.test")
            )
            is None
        )


def test_a_rater_link_inside_the_learners_own_session_is_refused(client, platform):
    token = start_360(client, platform, "mail-self-rate")
    link = invite(client, token, "peer")
    opened = client.get(f"/feedback/r/{link}?ls={token}")
    assert opened.status_code == 403 and error_code(opened) == "own_rater_link"
    header = client.post(
        f"/feedback/r/{link}",
        data={"stage-working-with-others/developing-networks": "0"},
        headers={"X-Leadpath-Session": token},
    )
    assert header.status_code == 403
    other = start_360(client, platform, "mail-someone-else")
    assert client.get(f"/feedback/r/{link}?ls={other}").status_code == 200
    assert rate(client, link, [2, 2, 2, 2]).status_code == 200  # the rater, with no session


def _invitations_table(hub: str) -> str:
    return re.search(r"<table[^>]*fb-invitations.*?</table>", hub, re.S).group(0)


def test_the_hub_shows_answers_per_group_never_which_invitee_answered(client, platform):
    token = start_360(client, platform, "mail-who")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    first = invite(client, token, "peer", email="p1@example.test")
    invite(client, token, "peer", email="p2@example.test")
    before = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert rate(client, first, [1, 1, 1, 1]).status_code == 200
    after = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert _invitations_table(before) == _invitations_table(after)
    assert '<span data-group="peer">0</span>' in before
    assert '<span data-group="peer">1</span>' in after
    assert "p1@example.test" in after and "p2@example.test" in after

    # Withdrawing answers alike whether the rater answered or not.
    invitation_ids = re.findall(r"/feedback/invitations/([0-9a-f-]+)/revoke", after)
    answers = [
        client.post(f"/feedback/invitations/{i}/revoke", data={"ls": token}) for i in invitation_ids
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert {a.location.split("?")[0] for a in answers} == {"/feedback"}
