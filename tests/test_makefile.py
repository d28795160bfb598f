"""`make run` installs only what the server needs; the test tools come with `make test`/`lint`.

The Makefile is read with `make -n` (print the commands, run none) against a virtualenv path
that does not exist, so every install step shows; the server is then started with the test
tools made unimportable, to show it never needs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "playwright", "ruff", "vulture", "lti1p3platform")


def _dry_run(target: str, venv: Path) -> list[str]:
    if shutil.which("make") is None:
        pytest.fail("make is not installed: the README's `make run` needs it")
    env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
    done = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_run_installs_the_server_alone(tmp_path):
    installs = _dry_run("run", tmp_path / "venv")
    assert any(line.endswith("pip install --quiet -e .") for line in installs), installs
    assert not any("[test]" in line for line in installs)


@pytest.mark.parametrize("target", ["test", "lint"])
def test_make_test_and_lint_add_the_test_tools(tmp_path, target):
    installs = _dry_run(target, tmp_path / "venv")
    assert any(line.endswith("pip install --quiet -e '.[test]'") for line in installs), installs


def test_the_server_dependencies_name_no_test_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
             for d in project["dependencies"]}  # fmt: skip
    assert names.isdisjoint(TEST_TOOLS)
    assert set(TEST_TOOLS) <= {
        d.split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for d in project["optional-dependencies"]["test"]
    }


def test_the_app_serves_without_any_test_tool(tmp_path):
    # Each test tool is made unimportable (None in sys.modules), then the app answers /healthz.
    program = f"""
import sys
for name in {TEST_TOOLS!r}:
    sys.modules[name] = None
from lti_tool import create_app
app = create_app({{"base_url": "http://localhost", "data_dir": {str(tmp_path)!r},
                  "secret_key": "k" * 32}})
from lti_tool import schema
schema.upgrade(app.config["LEADPATH"].database_url)
print(app.test_client().get("/healthz").status_code)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "200"
