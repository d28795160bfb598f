"""A store of the run's kind for the retention tests, with an app and a launched learner."""

from __future__ import annotations

import pytest

from tests.support.services import migrated_database


@pytest.fixture(scope="module")
def store_url(db_kind, tmp_path_factory):
    """A migrated database of the run's kind, shared by one test module."""
    with migrated_database(db_kind, tmp_path_factory.mktemp("retention") / "store.db") as url:
        yield url


@pytest.fixture(scope="module")
def store_app(base_settings, store_url):
    """An app over the module's store."""
    from lti_tool import create_app

    application = create_app({**base_settings, "database_url": store_url})
    yield application
    application.extensions["leadpath.db"].engine.dispose()


@pytest.fixture
def store(store_app):
    """The module store's Database."""
    return store_app.extensions["leadpath.db"]
