"""360 anonymity against a learner who tries to recover one rater's answers.

The attack once worked: the learner received every rater link, filled the other slots of a
group with zeros and read the one real rater's stage from the group mean, and the withheld
comment with it. Each step of that attack must now fail.
"""

import re

from sqlalchemy import select

from lti_tool.assess.models import FeedbackMail
from tests.support.feedback_helpers import (
    NETWORKS,
    PATHS,
    invitations_shown,
    invite,
    rate,
    report_cells,
    self_rate,
    start_360,
)

SECRET = "Interrupts people in handover"


def _pages(client, token) -> str:
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    report = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    return hub + report


def test_the_zero_filling_recovery_attack_fails(client, platform, db):
    token = start_360(client, platform, "anon-attacker")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    real = invite(client, token, "peer", email="real-peer@example.test")
    assert rate(client, real, [3, 1, 4, 2], comment=SECRET).status_code == 200

    # 1. The learner asks for two more peer slots: no page of theirs carries a link.
    for address in ("slot-1@example.test", "slot-2@example.test"):
        hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
        form = {"ls": token, "rater_group": "peer", "email": address}
        created = client.post(
            "/feedback/invitations", data={**form, "invited": str(invitations_shown(hub))}
        )
        assert created.status_code == 201
        assert "/feedback/r/" not in created.get_data(as_text=True)
    assert "/feedback/r/" not in _pages(client, token)

    # 2. Sending the slots to their own address (the launch's email claim) is refused.
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    own = {"ls": token, "rater_group": "peer", "email": "jo@example.test"}
    own["invited"] = str(invitations_shown(hub))
    assert client.post("/feedback/invitations", data=own).status_code == 400

    # 3. A link used inside the learner's own session is refused, zeros and all.
    zeros = {f"stage-{p}": "0" for p in PATHS}
    assert client.post(f"/feedback/r/{real}?ls={token}", data=zeros).status_code in (403, 410)
    with db.sessions() as session:
        bodies = session.scalars(select(FeedbackMail.body)).all()
    stolen = [re.search(r"/feedback/r/(\S+)", b).group(1) for b in bodies if "/feedback/r/" in b]
    for link in stolen:  # had the learner a link, their session still could not use it
        assert client.post(f"/feedback/r/{link}?ls={token}", data=zeros).status_code == 403

    # 4. What the learner sees gives the real rater away nowhere.
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "hidden (1)"
    assert cells[(NETWORKS, "others")] == "hidden"
    pages = _pages(client, token)
    assert SECRET not in pages
    assert "3.00" not in pages and "1.00" not in pages and "4.00" not in pages


def test_others_waits_for_four_answers_outside_the_line_manager(client, platform):
    token = start_360(client, platform, "anon-four")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    assert rate(client, invite(client, token, "line-manager"), [4, 4, 4, 4]).status_code == 200
    for stage in (1, 2, 3):
        link = invite(client, token, "peer")
        assert rate(client, link, [stage] * 4, comment=f"peer note {stage}").status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "2.00" and cells[(NETWORKS, "line-manager")] == "4.00"
    assert cells[(NETWORKS, "others")] == "hidden"  # three answers besides the manager's
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert "peer note 1" in page  # the peer group is shown, so are its comments

    # A single direct report beside three shown peers: "others" minus peers would reveal them.
    report = invite(client, token, "direct-report")
    assert rate(client, report, [0, 0, 0, 0], comment="direct note").status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "direct-report")] == "hidden (1)"
    assert cells[(NETWORKS, "others")] == "hidden"
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert "direct note" not in page and "shown once at least 3 of its raters" in page

    assert rate(client, invite(client, token, "peer"), [2, 2, 2, 2]).status_code == 200
    cells = report_cells(client, token)  # four peers; the lone direct report is still hidden
    assert cells[(NETWORKS, "others")] == "hidden"
    for _ in range(2):
        assert rate(client, invite(client, token, "direct-report"), [1] * 4).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "direct-report")] == "0.67"
    # The fourth peer waits for two more peers: (4 + 1 + 2 + 3 + 0 + 1 + 1) / 7.
    assert cells[(NETWORKS, "others")] == "1.71"
