"""Complete self-assessments launched with an AGS claim, and drive the grade sender."""

from __future__ import annotations

import time

from sqlalchemy import select

from lti_tool.grades.models import GradeScore
from lti_tool.grades.sender import GradeConfig, GradeSender
from lti_tool.lti.registry import add_platform
from tests.support.assess_helpers import attempt_id_of, complete, fill_domain, launch_learner, start

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DOMAIN = "working-with-others"


def point_token_url(db, platform, token_url: str) -> None:
    """Make the registered platform's token URL the gradebook's."""
    with db.transaction() as session:
        add_platform(
            session,
            issuer=platform.issuer,
            client_id=platform.client_id,
            deployment_ids=[],
            auth_token_url=token_url,
        )


def complete_one(client, platform, sub: str, endpoint: dict | None, rating: int = 3) -> str:
    """Launch (with the AGS claim when given), answer one domain, complete; return the id."""
    claims = {AGS: endpoint} if endpoint is not None else {}
    token = launch_learner(client, platform, sub, {"domains": DOMAIN}, **claims)
    attempt_id = attempt_id_of(start(client, token).location)
    saved = fill_domain(client, token, attempt_id, DOMAIN, rating)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    done = complete(client, token, attempt_id)
    assert done.status_code == 303, done.get_data(as_text=True)
    return attempt_id


def make_sender(app, **config) -> GradeSender:
    """Return a grade sender over the app's database with quick timeouts and backoff."""
    settings = {
        "connect_timeout": 1.0,
        "read_timeout": 0.5,
        "backoff_seconds": 0.05,
        "backoff_max_seconds": 0.2,
        "lease_seconds": 30.0,
        **config,
    }
    keys = app.extensions["leadpath.keys"]
    return GradeSender(
        app.extensions["leadpath.db"].sessions, lambda: keys, GradeConfig(**settings)
    )


def rows_of(db, attempt_id: str) -> list[GradeScore]:
    """Return the grade rows queued for an attempt, oldest first."""
    with db.sessions() as session:
        return list(
            session.scalars(
                select(GradeScore)
                .where(GradeScore.attempt_id == attempt_id)
                .order_by(GradeScore.id)
            )
        )


def wait_until(done, step=None, timeout: float = 15.0) -> None:
    """Call `step()` (if any) again and again until `done()` holds; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "grades not delivered in time"
        if step is not None:
            step()
        time.sleep(0.02)


def send_until(sender: GradeSender, done, timeout: float = 15.0) -> None:
    """Run the sender pass after pass until `done()` holds (or fail after `timeout`)."""
    wait_until(done, sender.run_once, timeout)
