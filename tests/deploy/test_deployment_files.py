"""The systemd units and the container file run commands leadpath has, as a non-root user.

No container engine or systemd runs here, so these read the files: every `leadpath …` command
line they hold is parsed by the real command line (options included), and the container file
copies every package the distribution declares.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

from lti_tool.cli import build

CONFIG = Path(__file__).resolve().parents[2] / "config"
ROOT = CONFIG.parent


def _parses(argv: list[str]) -> None:
    assert Path(argv[0]).name == "leadpath", argv
    group = build()
    args = argv[1:]
    while isinstance(group, click.Group):
        name, command, args = group.resolve_command(group.make_context("leadpath", args[:1]), args)
        group = command
    command.make_context(name, list(args))  # raises on an unknown option or a bad value


@pytest.mark.parametrize("unit", ["leadpath.service", "leadpath-forwarder.service"])
def test_each_unit_runs_leadpath_commands_as_its_own_user(unit):
    text = (CONFIG / unit).read_text()
    commands = re.findall(r"^Exec\w+=(.+)$", text, flags=re.MULTILINE)
    assert commands
    for line in commands:
        _parses(shlex.split(line))
    assert "User=leadpath" in text and "EnvironmentFile=/etc/leadpath/leadpath.env" in text
    assert "ReadWritePaths=/var/lib/leadpath" in text and "NoNewPrivileges=true" in text
    if unit == "leadpath.service":
        assert "Environment=LEADPATH_FORWARDER_THREAD=false" in text  # the forwarder unit sends


def test_the_container_file_installs_every_package_and_serves_as_non_root():
    text = (CONFIG / "Containerfile").read_text()
    assert (
        text.splitlines()[
            next(n for n, line in enumerate(text.splitlines()) if line.startswith("FROM"))
        ]
        == "FROM python:3.11-slim"
    )
    copied = {
        Path(source).name
        for line in re.findall(r"^COPY (.+)$", text, re.M)
        for source in line.split()[:-1]
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages | {"pyproject.toml", "README.md"} <= copied
    assert re.search(r"^RUN pip install \.", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    _parses(json.loads(re.search(r"^CMD (.+)$", text, re.M)[1]))


def test_a_worker_count_that_is_not_a_number_stops_gunicorn_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update({"LEADPATH_WORKERS": "two", "LEADPATH_DATA_DIR": str(tmp_path)})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "config/gunicorn.conf.py"),
            "--check-config",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "LEADPATH_WORKERS must be a whole number of at least 1, not 'two'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
