"""`leadpath demo seed`: a cohort through the real pages over years; only with the demo on."""

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lti_tool.cli import build


@pytest.fixture
def run(database_url, data_dir):
    runner = CliRunner()

    def _run(*args, demo=True):
        env = {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_BASE_URL": "http://localhost",
            "LEADPATH_SECRET_KEY": "test-secret-key-not-for-production",
            "LEADPATH_DEMO": "true" if demo else "false",
            "LEADPATH_LOG_LEVEL": "WARNING",
        }
        return runner.invoke(build(), list(args), env=env, catch_exceptions=False)

    return _run


def test_seeding_is_refused_while_the_demo_is_off(run):
    result = run("demo", "seed", "--learners", "2", demo=False)
    assert result.exit_code == 2
    assert "The demo is off: set LEADPATH_DEMO=true" in result.output


def test_the_help_states_the_allowed_range(run):
    result = run("demo", "seed", "--help")
    assert "1 to 2000" in result.output and "--seed" in result.output


def test_a_seeded_cohort_spans_organisations_years_360s_and_sign_offs(run, db, app):
    from lti_tool.assess.models import Attempt, FeedbackResponse, Validation
    from lti_tool.models import PlatformUser, utcnow
    from xapi.lrs import StatementQuery, query_statements

    before = utcnow()
    result = run("demo", "seed", "--learners", "3", "--seed", "7")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    found = re.fullmatch(
        r"Seeded 3 learners: (\d+) self-assessments \((\d+) completed\), (\d+) 360s answered "
        r"by (\d+) raters, (\d+) sign-offs, (\d+) linked accounts; (\d+) statements stored in "
        r"the embedded LRS\.",
        line,
    )
    assert found, line
    started, completed, feedback, raters, signed, linked, stored = map(int, found.groups())
    assert completed >= 8 and feedback >= 2 and raters >= 6 and signed >= 3 and linked >= 2

    with db.sessions() as session:
        cohort = select(PlatformUser).where(PlatformUser.sub.like("%-%-%"))
        users = [u for u in session.scalars(cohort) if re.fullmatch(r"\w+-[0-9a-f]{6}-\d", u.sub)]
        by_learner = {}
        for user in users:
            by_learner.setdefault(user.learner_id, set()).add(user.issuer)
        assert max(len(issuers) for issuers in by_learner.values()) == 3  # one person, 3 places
        ids = [u.id for u in users]
        attempts = session.scalars(select(Attempt).where(Attempt.platform_user_id.in_(ids))).all()
        dated = [a.completed_at for a in attempts if a.completed_at]
        assert min(dated) < before - timedelta(days=3 * 365)  # years of attempts
        assert len({a.kind for a in attempts}) == 2
        assert (
            session.scalar(
                select(func.count())
                .select_from(Validation)
                .where(Validation.attempt_id.in_([a.id for a in attempts]))
            )
            == signed
        )
        assert session.scalar(select(func.count()).select_from(FeedbackResponse)) >= raters

    engine = app.extensions["leadpath.db"].engine
    old = query_statements(engine, StatementQuery(until_us=_micros(before - timedelta(days=700))))
    assert old.rows  # stored at their own (past) dates in the embedded LRS
    assert stored >= len(old.rows)


def _micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000)
