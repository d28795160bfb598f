"""`leadpath report learner`: the journey's figures as JSON or CSV, the same as the page's."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from lti_tool.cli import build
from tests.support import cohort as cohort_mod

KEYS = ("kind", "registration", "date", "platform", "phase", "framework", "domains",
        "expected", "raters", "adjusted", "crosswalk")  # fmt: skip


@pytest.fixture
def run(database_url, data_dir):
    def _run(*args):
        env = {
            "LEADPATH_DATABASE_URL": database_url,
            "LEADPATH_DATA_DIR": str(data_dir),
            "LEADPATH_BASE_URL": "http://localhost",
        }
        return CliRunner().invoke(build(), ["report", "learner", *args], env=env)

    return _run


@pytest.fixture(scope="module")
def installed(app):
    made = cohort_mod.generate(5, seed=11)
    cohort_mod.install(made, app)
    return made


def test_json_gives_the_journeys_figures(run, installed):
    learner = max(installed.learners, key=lambda x: (x.linked, len(x.episodes)))
    key = learner.episodes[-1].platform
    result = run("--issuer", installed.platforms[key].issuer, "--sub", learner.accounts[key],
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    got = [{k: e[k] for k in KEYS} for e in data["entries"]]
    assert got == cohort_mod.expected_journey(installed, learner, key)
    assert f"{len(got)} entries on the journey" in result.stderr


def test_csv_has_a_row_per_entry_and_domain(run, installed):
    learner = installed.learners[0]
    key, learner_id = next(iter(learner.learner_ids.items()))
    result = run("--learner", learner_id)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = cohort_mod.expected_journey(installed, learner, key)
    assert len(rows) == sum(len(e["domains"]) for e in expected)
    first = expected[0]
    domain, stage = next(iter(first["domains"].items()))
    assert rows[0]["evidence"] == first["kind"] and rows[0]["domain"] == domain
    assert float(rows[0]["stage"]) == stage


def test_unknown_learner_and_missing_identity_are_refused(run):
    assert run().exit_code == 2
    unknown = run("--learner", "00000000-0000-4000-8000-000000000000")
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
