"""Files at rest: the data directory 0700; database (with -wal, -shm), keys, secret key 0600."""

import os
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from lti_tool.cli import build
from tests.support.lti_helpers import launch, make_platform


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def fresh_data_dir(tmp_path):
    """A new data directory with its default SQLite database (whatever database the run uses)."""
    old = os.umask(0o022)  # the usual umask, under which files are made 0644
    yield tmp_path / "var"
    os.umask(old)


def test_setup_and_serving_leave_nothing_readable_by_others(fresh_data_dir):
    from lti_tool import create_app

    env = {"LEADPATH_DATA_DIR": str(fresh_data_dir)}
    runner = CliRunner()
    for command in (["db", "upgrade"], ["keys", "ensure"]):
        result = runner.invoke(build(), command, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    app = create_app(
        {"data_dir": str(fresh_data_dir), "base_url": "http://localhost", "demo": True}
    )
    try:
        client = app.test_client()
        platform = make_platform("atrest").register(app.extensions["leadpath.db"])
        assert launch(client, platform).status_code == 303
        database = fresh_data_dir / "leadpath.db"
        assert (fresh_data_dir / "leadpath.db-wal").exists()
        assert mode(fresh_data_dir) == 0o700
        for path in (
            database,
            fresh_data_dir / "leadpath.db-wal",
            fresh_data_dir / "leadpath.db-shm",
            fresh_data_dir / "secret_key",
            fresh_data_dir / "keys" / "tool-0001.pem",
            fresh_data_dir / "keys" / "demo-platform.pem",
        ):
            assert mode(path) == 0o600, path
        assert mode(fresh_data_dir / "keys") == 0o700
    finally:
        app.extensions["leadpath.db"].engine.dispose()


def test_files_left_readable_by_an_earlier_version_are_corrected(fresh_data_dir):
    from lti_tool import create_app

    env = {"LEADPATH_DATA_DIR": str(fresh_data_dir)}
    CliRunner().invoke(build(), ["db", "upgrade"], env=env, catch_exceptions=False)
    os.chmod(fresh_data_dir, 0o755)
    os.chmod(fresh_data_dir / "leadpath.db", 0o644)
    app = create_app({"data_dir": str(fresh_data_dir), "base_url": "http://localhost"})
    try:
        with app.extensions["leadpath.db"].engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM platform"))
        assert mode(fresh_data_dir) == 0o700
        assert mode(fresh_data_dir / "leadpath.db") == 0o600
        assert mode(fresh_data_dir / "leadpath.db-shm") == 0o600
    finally:
        app.extensions["leadpath.db"].engine.dispose()
