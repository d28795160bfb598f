import pytest


@pytest.fixture
def engine(app):
    return app.extensions["leadpath.db"].engine
