import pytest

from tests.support.lti_helpers import make_platform


@pytest.fixture
def platform(db, unique):
    """A registered test platform whose keys are stored inline in the registry."""
    return make_platform(unique).register(db)
