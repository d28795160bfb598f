"""Fixtures for the statement and profile tests: a launch context, one statement of
each kind, and the independent xAPI validator (Node, @learninglocker/xapi-validation).
"""

from __future__ import annotations

import pytest

from tests.xapi.statements.statement_samples import build_all, make_context
from xapi import statements as st


@pytest.fixture
def ctx() -> st.LaunchContext:
    return make_context()


@pytest.fixture
def statements(ctx) -> dict[str, dict]:
    return build_all(ctx)
