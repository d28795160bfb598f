"""Shared fixtures: one migrated database per test process (SQLite, or PostgreSQL with --db).

Each pytest-xdist worker makes its own. Tests share their process's database, so each test makes
its own platforms, users and courses with unique identifiers (see `unique`) instead of relying
on an empty table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.services import migrated_database, unavailable

BASE_URL = "http://localhost"
NODE_DIR = Path(__file__).resolve().parent / "node"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("LEADPATH_TEST_DB", "sqlite"),
        help="database the suite runs against",
    )
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the --db database (the second pass of `make test`)",
    )


# A test that asks for neither fixture cannot see --db, so a second pass would repeat it exactly.
DATABASE_FIXTURES = {"database_url", "db_kind"}


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    kept, repeats = [], []
    for item in items:
        (kept if DATABASE_FIXTURES & set(item.fixturenames) else repeats).append(item)
    config.hook.pytest_deselected(items=repeats)
    items[:] = kept


def pytest_report_header(config):
    only = " (only the tests that use it)" if config.getoption("--database-tests-only") else ""
    return f"leadpath database: {config.getoption('--db')}{only}"


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("leadpath-var")


@pytest.fixture(scope="session")
def database_url(db_kind, data_dir):
    with migrated_database(db_kind, data_dir / "leadpath.db") as url:
        yield url


@pytest.fixture(scope="session")
def base_settings(database_url, data_dir) -> dict:
    return {
        "base_url": BASE_URL,
        "database_url": database_url,
        "data_dir": str(data_dir),
        "secret_key": "test-secret-key-not-for-production",
        "demo": True,
        "log_level": "WARNING",
        # Fake platforms listen on 127.0.0.1: the development setting lets registration reach them.
        "registration_private_addresses": True,
    }


@pytest.fixture(scope="session")
def app(base_settings):
    from lti_tool import create_app

    application = create_app(dict(base_settings))
    yield application
    application.extensions["leadpath.db"].engine.dispose()


@pytest.fixture
def make_app(base_settings):
    """Build an app with some settings changed; disposed after the test."""
    from lti_tool import create_app

    made = []

    def _make(**overrides):
        application = create_app({**base_settings, **overrides})
        made.append(application)
        return application

    yield _make
    for application in made:
        # Background senders (LEADPATH_FORWARDER_THREAD) must not outlive the test's database.
        for key in ("leadpath.forwarder", "leadpath.grades", "leadpath.pruner"):
            if key in application.extensions:
                application.extensions[key].stop(10)
        application.extensions["leadpath.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    return app.extensions["leadpath.db"]


@pytest.fixture(autouse=True)
def _rsa_keys_from_the_session_pool():
    """Let each test reuse the session's RSA keys (distinct within the test): see keys.py."""
    from tests.support.keys import KEYS

    with KEYS.for_one_test():
        yield


@pytest.fixture
def unique() -> str:
    """Return a short unique token for identifiers a test creates."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def xapi_validator():
    """Validate a batch of statements with @learninglocker/xapi-validation in one Node run.

    Returns a function taking a list of statements and returning one list of warnings per
    statement. Skips when Node or tests/node/node_modules is missing, unless CI=true.
    """
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "@learninglocker" / "xapi-validation").is_dir():
        missing = f"{NODE_DIR}/node_modules is missing: run `npm install --prefix tests/node`"
    if missing:
        unavailable(f"xAPI validator unavailable: {missing}")

    def validate(batch: list[dict]) -> list[list[str]]:
        run = subprocess.run(
            [node, str(NODE_DIR / "validate-xapi.js")],
            input=json.dumps(batch),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    return validate
