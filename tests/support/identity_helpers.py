"""Launch helpers for the identity tests: a launch's session token and the link-code steps."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from lti_tool.models import PlatformUser
from tests.support.loopback import serve_wsgi
from tests.support.lti_helpers import LTI, launch
from xapi.lrs import create_credential
from xapi.outbox import Forwarder
from xapi.outbox.config import ForwarderConfig
from xapi.outbox.destinations import add_destination
from xapi.outbox.models import OutboxStatement

LINKED = "http://localhost/xapi/profile/verbs/linked-identity"
UNLINKED = "http://localhost/xapi/profile/verbs/unlinked-identity"
FORMER = "http://localhost/xapi/profile/extensions/former-account"
FORWARDER = ForwarderConfig(batch_size=50, connect_timeout=2, read_timeout=10, backoff_seconds=0.01)


def forward_to_embedded_lrs(db, app, name: str, issuers: list[str]) -> None:
    """Forward the queued statements of some platforms over loopback HTTP to the embedded LRS."""
    key, secret = create_credential(db.engine, f"forwarder {name}", ["statements/write"])
    with serve_wsgi(app) as url:
        with db.transaction() as session:
            add_destination(
                session,
                name=name,
                endpoint=url + "/xapi",
                key=key,
                secret=secret,
                platforms=issuers,
            )
        forwarder = Forwarder(db.sessions, FORWARDER, only=(name,))
        try:
            while forwarder.run_once():
                pass
        finally:
            forwarder.close()


def open_session(client, platform, sub: str, **custom) -> str:
    """Launch as `sub` and return the launch session token."""
    extra = {LTI + "custom": custom} if custom else {}
    response = launch(client, platform, sub=sub, **extra)
    assert response.status_code == 303, response.get_data(as_text=True)
    return parse_qs(urlsplit(response.location).query)["ls"][0]


def get_code(client, token: str) -> str:
    """Ask for a link code and return it as shown."""
    response = client.post("/identity/code", data={"ls": token})
    assert response.status_code == 200
    return re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})</strong>", response.text)[1]


def enter_code(client, token: str, code: str):
    """Enter a link code; return the response."""
    return client.post("/identity/link", data={"ls": token, "code": code})


def user_of(db, platform, sub: str) -> PlatformUser:
    """Return the platform user row of a test identity."""
    with db.sessions() as session:
        return session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )


def queued_with_verb(db, verb: str, learner_id: str) -> list[dict]:
    """Return the queued statements with a verb whose actor is the learner."""
    import json

    with db.sessions() as session:
        bodies = session.scalars(
            select(OutboxStatement.body).where(OutboxStatement.learner_key == learner_id)
        ).all()
    found = [json.loads(b) for b in bodies]
    return [s for s in found if s["verb"]["id"] == verb]
