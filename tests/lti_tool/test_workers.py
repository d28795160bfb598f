"""Background work starts from the app's workers module: the forwarder and grade sender threads."""

from __future__ import annotations

import pytest

from tests.support.services import migrated_database


@pytest.fixture
def fresh_database_url(db_kind, tmp_path):
    """Return a migrated database of the run's kind holding no destination and no statement."""
    with migrated_database(db_kind, tmp_path / "fresh.db") as url:
        yield url


def test_the_background_thread_runs_only_when_asked_and_stops(make_app, fresh_database_url):
    assert "leadpath.forwarder" not in make_app(database_url=fresh_database_url).extensions
    app = make_app(
        database_url=fresh_database_url, forwarder_thread=True, forwarder_poll_seconds=0.05
    )
    forwarder = app.extensions["leadpath.forwarder"]
    grades = app.extensions["leadpath.grades"]
    assert forwarder.running and grades.running
    forwarder.stop(5)
    grades.stop(5)
    assert not forwarder.running and not grades.running
