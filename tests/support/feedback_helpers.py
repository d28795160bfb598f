"""Drive 360 feedback through the pages: launch, self rating, invitations, raters, the report."""

from __future__ import annotations

import re
import uuid

from tests.support.lti_helpers import LEARNER, LTI, launch
from tests.support.mail_helpers import deliver, link_in, smtp

DOMAIN = "working-with-others"
NETWORKS = f"{DOMAIN}/developing-networks"
RELATIONSHIPS = f"{DOMAIN}/building-and-maintaining-relationships"
CONTRIBUTION = f"{DOMAIN}/encouraging-contribution"
TEAMS = f"{DOMAIN}/working-within-teams"
PATHS = [NETWORKS, RELATIONSHIPS, CONTRIBUTION, TEAMS]
CUSTOM = {"assessment": "360", "domains": DOMAIN, "career_phase": "foundation"}


def start_360(client, platform, sub, **claims):
    """Launch a learner into a 360 activity; return the launch token."""
    claims.setdefault(LTI + "resource_link", {"id": "link-360", "title": "360 feedback"})
    claims.setdefault(LTI + "custom", CUSTOM)
    landed = launch(client, platform, sub=sub, roles=[LEARNER], **claims)
    assert landed.status_code == 303
    return landed.location.split("ls=")[1]


def self_rate(client, token, stages, revision=0):
    form = {"ls": token, "domain": DOMAIN, "revision": str(revision)}
    form.update({f"stage-{p}": str(s) for p, s in zip(PATHS, stages, strict=True)})
    return client.post(f"/feedback/self/{DOMAIN}", data=form)


def invitations_shown(page: str) -> int:
    return int(re.search(r'name="invited" value="(\d+)"', page).group(1))


def invite(client, token, group, email=None):
    """Invite a rater through the hub's form; return the link leadpath emailed them.

    The link is read from the message the loopback SMTP server received: the learner's pages
    never show it.
    """
    email = email or f"rater-{uuid.uuid4().hex[:12]}@example.test"
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    form = {"ls": token, "rater_group": group, "invited": str(invitations_shown(hub))}
    form["email"] = email
    created = client.post("/feedback/invitations", data=form)
    page = created.get_data(as_text=True)
    assert created.status_code == 201, page
    assert "/feedback/r/" not in page
    deliver(client.application)
    return link_in(smtp().inbox.to(email)[-1])


def rate(client, link, stages, comment=None):
    pairs = zip(PATHS, stages, strict=True)
    form = {f"stage-{p}": ("none" if s is None else str(s)) for p, s in pairs}
    if comment:
        form["comment"] = comment
    return client.post(f"/feedback/r/{link}", data=form)


def report_cells(client, token) -> dict:
    page = client.get(f"/feedback/report?ls={token}")
    assert page.status_code == 200
    text = re.sub(
        r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', "", page.get_data(as_text=True)
    )
    cells = re.findall(r'<td [^>]*data-element="([^"]+)" data-group="([^"]+)">(.*?)</td>', text)
    return {(e, g): re.sub(r"<[^>]+>", "", v).strip() for e, g, v in cells}
