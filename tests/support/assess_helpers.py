"""Drive a self-assessment through the pages: launch, start, fill a domain, complete."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from framework.loader import load_bundled
from lti_tool.assess.models import Attempt, ElementResponse
from lti_tool.models import PlatformUser
from tests.support.lti_helpers import LTI, launch
from xapi.outbox.models import OutboxStatement

LF = load_bundled()["lf-2011"]
DOMAINS = [d.id for d in LF.domains if d.scope == "core"]
"""The LF domains an activity covers by default without a career phase (the five core ones)."""


def token_of(response) -> str:
    """Return the launch session token a redirect carries."""
    return parse_qs(urlsplit(response.location).query)["ls"][0]


def launch_learner(client, platform, sub: str, custom: dict | None = None, **claims) -> str:
    """Launch as a learner and return the new launch session token."""
    if custom is not None:
        claims[LTI + "custom"] = custom
    response = launch(client, platform, sub=sub, **claims)
    assert response.status_code == 303, response.get_data(as_text=True)
    return token_of(response)


def start(client, token: str):
    """Press Start / Continue on the home page; return the response (303 to a domain page)."""
    return client.post("/assess/start", data={"ls": token})


def attempt_id_of(location: str) -> str:
    """Return the attempt id from an /assess/<id>/... address."""
    return urlsplit(location).path.split("/")[2]


def domain_of(location: str) -> str:
    """Return the domain id from an /assess/<id>/domains/<domain> address."""
    return urlsplit(location).path.split("/")[4]


def revision_on(page_html: str) -> str:
    """Return the hidden revision field of a page."""
    return re.search(r'name="revision" value="(\d+)"', page_html).group(1)


def domain_fields(domain_id: str, value_for_stage, picked: int | None = None) -> dict:
    """Return the answer fields rating every indicator of a domain.

    `value_for_stage` is a rating for all indicators, or a function of the stage number.
    """
    fields = {}
    for element in LF.domain(domain_id).elements:
        for indicator in element.indicators:
            value = (
                value_for_stage(indicator.stage) if callable(value_for_stage) else value_for_stage
            )
            fields["rating:" + indicator.id] = str(value)
        if picked is not None:
            fields["stage:" + element.path] = str(picked)
    return fields


def fill_domain(client, token, attempt_id, domain_id, value_for_stage, action="next", **extra):
    """Open a domain page, rate all its indicators, submit with a button; return the response."""
    page = client.get(f"/assess/{attempt_id}/domains/{domain_id}?ls={token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {
        "ls": token,
        "revision": revision_on(page.get_data(as_text=True)),
        "action": action,
        **domain_fields(domain_id, value_for_stage),
        **extra,
    }
    return client.post(f"/assess/{attempt_id}/domains/{domain_id}", data=data)


def complete(client, token, attempt_id):
    """Open the finish page and press Complete; return the response."""
    page = client.get(f"/assess/{attempt_id}/finish?ls={token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {"ls": token, "revision": revision_on(page.get_data(as_text=True))}
    return client.post(f"/assess/{attempt_id}/complete", data=data)


def learner_id(db, platform, sub: str) -> str:
    """Return the learner id of a platform user."""
    with db.sessions() as session:
        return session.scalar(
            select(PlatformUser.learner_id).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )


def statements_of(db, learner: str) -> list[dict]:
    """Return the learner's queued statements in creation order."""
    with db.sessions() as session:
        bodies = session.scalars(
            select(OutboxStatement.body)
            .where(OutboxStatement.learner_key == learner)
            .order_by(OutboxStatement.seq)
        ).all()
    return [json.loads(b) for b in bodies]


def stored_state(db, attempt_id: str, learner: str) -> tuple:
    """Return what a refused request must leave unchanged: attempt, answers and outbox rows."""
    with db.sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        answers = session.scalars(
            select(ElementResponse)
            .where(ElementResponse.attempt_id == attempt_id)
            .order_by(ElementResponse.element_path)
        ).all()
        outbox = session.scalar(
            select(func.count())
            .select_from(OutboxStatement)
            .where(OutboxStatement.learner_key == learner)
        )
        return (
            attempt.status,
            attempt.revision,
            attempt.current_domain,
            attempt.score,
            [
                (a.element_path, a.ratings, a.picked_stage, a.reflection, a.evidence)
                for a in answers
            ],
            outbox,
        )


def verbs(statements: list[dict]) -> list[str]:
    """Return the last path segment of each statement's verb."""
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
