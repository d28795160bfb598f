"""Fixtures for the statement and profile tests: a launch context, one statement of
each kind, and the independent xAPI validator (Node, @learninglocker/xapi-validation).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from statement_samples import build_all, make_context

from xapi import statements as st

NODE_DIR = Path(__file__).resolve().parents[2] / "node"


@pytest.fixture
def ctx() -> st.LaunchContext:
    return make_context()


@pytest.fixture
def statements(ctx) -> dict[str, dict]:
    return build_all(ctx)


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
        if os.environ.get("CI") == "true":
            pytest.fail(f"xAPI validator unavailable on CI: {missing}")
        pytest.skip(f"xAPI validator unavailable: {missing}")

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
