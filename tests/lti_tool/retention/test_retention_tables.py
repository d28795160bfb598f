"""Each retention rule removes its rows once they are older than their period, and only those.

Rows are written with timestamps in the past, as time would have left them, then `prune`
runs with the real clock (and the CLI, on a copy of the same rows); every other row stays.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from lti_tool.assess.framework_versions import current_version
from lti_tool.assess.models import Attempt, FeedbackInvitation
from lti_tool.cli import build
from lti_tool.grades.models import DEAD, PENDING, SENT, GradeScore
from lti_tool.identity.models import LinkCode
from lti_tool.models import LaunchSession, LaunchState, PlatformUser, utcnow
from lti_tool.retention import prune
from lti_tool.retention.models import GRADES_DEAD, GRADES_SENT, pruned
from lti_tool.retention.pruning import Busy
from lti_tool.settings import load_settings
from tests.support.lti_helpers import launch, make_platform

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _user(app, db, unique: str) -> PlatformUser:
    platform = make_platform(unique).register(db)
    assert launch(app.test_client(), platform, sub=f"user-{unique}").status_code == 303
    with db.sessions() as session:
        return session.scalar(select(PlatformUser).where(PlatformUser.issuer == platform.issuer))


def _state(session, expired_ago: timedelta) -> str:
    key = uuid.uuid4().hex
    session.add(
        LaunchState(
            state=key,
            nonce="n",
            issuer="https://lms.example.test",
            client_id="c",
            target_link_uri="http://localhost/lti/launch",
            expires_at=utcnow() - expired_ago,
            used_at=utcnow() - expired_ago if expired_ago > timedelta(0) else None,
        )
    )
    return key


def _session(session, user: PlatformUser, expired_ago: timedelta) -> str:
    key = uuid.uuid4().hex
    session.add(
        LaunchSession(
            token_hash=key,
            platform_user_id=user.id,
            roles=["learner"],
            claims={"name": "Jo Bloggs", "email": "jo@example.test"},
            created_at=utcnow() - expired_ago - 8 * HOUR,
            expires_at=utcnow() - expired_ago,
        )
    )
    return key


def _code(session, user: PlatformUser, expired_ago: timedelta) -> int:
    code = LinkCode(
        code_hash=uuid.uuid4().hex,
        learner_id=user.learner_id,
        platform_user_id=user.id,
        created_at=utcnow() - expired_ago - 30 * timedelta(minutes=1),
        expires_at=utcnow() - expired_ago,
    )
    session.add(code)
    session.flush()
    return code.id


def _score(session, issuer: str, status: str, finished_ago: timedelta | None) -> int:
    row = GradeScore(
        platform_id=1,
        issuer=issuer,
        client_id="c",
        lineitem="https://lms.example.test/lineitems/1",
        user_id="u",
        lane=uuid.uuid4().hex,
        body={"scoreGiven": 50},
        status=status,
        finished_at=None if finished_ago is None else utcnow() - finished_ago,
    )
    session.add(row)
    session.flush()
    return row.id


def _round(session, user: PlatformUser, *invitations: tuple[str, timedelta]) -> str:
    """A 360 attempt with invitations, each (state, how long ago it ended or -time to run)."""
    attempt = Attempt(
        kind="360",
        learner_id=user.learner_id,
        platform_user_id=user.id,
        framework_version_id=current_version(session, "lf-2011").id,
    )
    session.add(attempt)
    session.flush()
    for n, (state, ago) in enumerate(invitations):
        ended = utcnow() - ago
        session.add(
            FeedbackInvitation(
                attempt_id=attempt.id,
                rater_group="peer",
                email=f"rater{n}@example.test",
                token_hash=uuid.uuid4().hex,
                created_at=ended - 21 * DAY,
                expires_at=ended if state != "submitted" else ended + 10 * DAY,
                submitted_at=ended if state == "submitted" else None,
            )
        )
    return attempt.id


def _emails(db, attempt_id: str) -> list[str | None]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(FeedbackInvitation.email)
                .where(FeedbackInvitation.attempt_id == attempt_id)
                .order_by(FeedbackInvitation.email)
            )
        )


def _exists(db, model, key) -> bool:
    with db.sessions() as session:
        return session.get(model, key) is not None


def test_every_rule_removes_rows_past_its_period_and_keeps_the_rest(store_app, store, unique):
    user = _user(store_app, store, unique)
    issuer = f"https://grades-{unique}.example.test"
    with store.transaction() as session:
        states = {"old": _state(session, 25 * HOUR), "recent": _state(session, 23 * HOUR)}
        states["live"] = _state(session, -5 * timedelta(minutes=1))
        sessions = {
            "old": _session(session, user, 2 * DAY),
            "recent": _session(session, user, HOUR),
        }
        sessions["live"] = _session(session, user, -HOUR)
        codes = {"old": _code(session, user, 8 * DAY), "recent": _code(session, user, 6 * DAY)}
        scores = {
            "sent old": _score(session, issuer, SENT, 31 * DAY),
            "dead old": _score(session, issuer, DEAD, 31 * DAY),
            "sent recent": _score(session, issuer, SENT, 29 * DAY),
            "pending": _score(session, issuer, PENDING, None),
        }
        closed = _round(session, user, ("submitted", 40 * DAY), ("expired", 31 * DAY))
        recently_closed = _round(session, user, ("submitted", 40 * DAY), ("expired", 29 * DAY))
        still_open = _round(session, user, ("submitted", 40 * DAY), ("open", -3 * DAY))
    settings = store_app.config["LEADPATH"]

    preview = {r["table"]: r["rows"] for r in prune(store.engine, settings, dry_run=True)}
    assert _exists(store, LaunchState, states["old"]), "a dry run changes nothing"
    assert _emails(store, closed) == ["rater0@example.test", "rater1@example.test"]

    report = {r["table"]: r for r in prune(store.engine, settings)}
    assert {t: r["rows"] for t, r in report.items()} == preview
    assert all(r["finished"] for r in report.values())
    assert report["launch_state"]["kept"] == "24 hours"
    assert report["feedback_invitation"]["rows"] >= 2

    assert [_exists(store, LaunchState, states[k]) for k in ("old", "recent", "live")] == [
        False,
        True,
        True,
    ]
    assert [_exists(store, LaunchSession, sessions[k]) for k in ("old", "recent", "live")] == [
        False,
        True,
        True,
    ]
    assert [_exists(store, LinkCode, codes[k]) for k in ("old", "recent")] == [False, True]
    assert {k: _exists(store, GradeScore, v) for k, v in scores.items()} == {
        "sent old": False,
        "dead old": False,
        "sent recent": True,
        "pending": True,
    }
    assert _emails(store, closed) == [None, None], "the closed round's raters are forgotten"
    assert _emails(store, recently_closed) == ["rater0@example.test", "rater1@example.test"]
    assert _emails(store, still_open) == ["rater0@example.test", "rater1@example.test"]
    with store.sessions() as session:
        invitations = session.scalar(
            select(func.count()).where(FeedbackInvitation.attempt_id == closed)
        )
        assert invitations == 2, "the invitations stay, without their addresses"
        conn = session.connection()
        assert pruned(conn, GRADES_SENT)[issuer] == 1
        assert pruned(conn, GRADES_DEAD)[issuer] == 1

    again = prune(store.engine, settings, dry_run=True)
    assert {r["table"]: r["rows"] for r in again}["launch_state"] == 0


def test_batches_are_small_and_each_row_goes_once(store_app, store, unique):
    user = _user(store_app, store, unique)
    with store.transaction() as session:
        old = [_session(session, user, 3 * DAY) for _ in range(23)]
    report = prune(store.engine, store_app.config["LEADPATH"], batch=5)
    assert {r["table"]: r["rows"] for r in report}["launch_session"] >= 23
    assert not any(_exists(store, LaunchSession, key) for key in old)


def test_two_pruners_at_once_remove_each_row_once(store_app, store, unique, db_kind):
    issuer = f"https://twice-{unique}.example.test"
    with store.transaction() as session:
        for _ in range(40):
            _score(session, issuer, SENT, 40 * DAY)
    settings = store_app.config["LEADPATH"]
    outcomes, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            outcomes.append(prune(store.engine, settings, batch=7))
        except Busy:
            outcomes.append("busy")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2
    with store.sessions() as session:
        left = session.scalar(select(func.count()).where(GradeScore.issuer == issuer))
        assert left == 0
        assert pruned(session.connection(), GRADES_SENT)[issuer] == 40, "counted once each"
    if db_kind == "postgresql" and "busy" in outcomes:
        assert outcomes.count("busy") == 1, "one pruner at a time on PostgreSQL"


def test_the_command_previews_then_prunes(store_app, store, unique, monkeypatch):
    user = _user(store_app, store, unique)
    with store.transaction() as session:
        key = _session(session, user, 5 * DAY)
    for name in [n for n in __import__("os").environ if n.startswith("LEADPATH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LEADPATH_DATABASE_URL", store.url)
    monkeypatch.setenv("LEADPATH_DATA_DIR", str(store_app.config["LEADPATH"].data_dir))
    monkeypatch.setenv("LEADPATH_RETAIN_SESSIONS_DAYS", "4")
    runner = CliRunner()

    preview = runner.invoke(build(), ["prune", "--dry-run", "--json"])
    assert preview.exit_code == 0, preview.output
    rows = {r["table"]: r for r in json.loads(preview.output)}
    assert rows["launch_session"]["rows"] >= 1 and rows["launch_session"]["kept"] == "4 days"
    assert _exists(store, LaunchSession, key)

    done = runner.invoke(build(), ["prune"])
    assert done.exit_code == 0, done.output
    assert "launch_session" in done.output and "expired launch sessions" in done.output
    assert done.output.splitlines()[-1].startswith("Removed ")
    assert not _exists(store, LaunchSession, key)
    assert load_settings().retain_sessions_days == 4


def test_the_background_pruner_runs_beside_the_senders(store_app, store, unique, make_app):
    import time

    from lti_tool.retention import Pruner

    user = _user(store_app, store, unique)
    with store.transaction() as session:
        key = _session(session, user, 3 * DAY)
    pruner = Pruner(store.engine, store_app.config["LEADPATH"], first_delay=0)
    pruner.start()
    try:
        deadline = time.monotonic() + 30
        while _exists(store, LaunchSession, key):
            assert time.monotonic() < deadline, "the pruner did not run"
            time.sleep(0.05)
    finally:
        pruner.stop(10)
    assert not pruner.running

    serving = make_app(database_url=store.url, forwarder_thread=True, forwarder_poll_seconds=0.05)
    assert serving.extensions["leadpath.pruner"].running
    quiet = make_app(database_url=store.url, forwarder_thread=True, prune_interval_minutes=0)
    assert "leadpath.pruner" not in quiet.extensions
