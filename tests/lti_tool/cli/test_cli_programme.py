"""`leadpath programme add|list|remove|scope add|grant` against the run's database."""

import json

import pytest
from click.testing import CliRunner

from lti_tool.cli import build
from tests.support.lti_helpers import make_platform


@pytest.fixture
def run(database_url, data_dir):
    runner = CliRunner()
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}

    def _run(*args):
        return runner.invoke(build(), list(args), env=env, catch_exceptions=False)

    return _run


def _listed(run, name):
    return next(
        p for p in json.loads(run("programme", "list", "--json").output) if p["name"] == name
    )


def test_define_scope_grant_list_and_remove_a_programme(run, db, unique):
    platform = make_platform(unique).register(db)
    name = "nfs-" + unique
    added = run("programme", "add", name, "--title", "North Foundation School")
    assert added.exit_code == 0 and f"Added the programme {name}" in added.output
    scoped = run(
        "programme",
        "scope",
        "add",
        "--programme",
        name,
        "--issuer",
        platform.issuer,
        "--course",
        "fy1-2026",
    )
    assert scoped.exit_code == 0, scoped.output
    granted = run(
        "programme", "grant", "--programme", name, "--issuer", platform.issuer, "--sub", "tpd-7"
    )
    assert granted.exit_code == 0 and "now leads" in granted.output
    listed = _listed(run, name)
    assert listed["title"] == "North Foundation School"
    assert listed["scope"] == [
        {"issuer": platform.issuer, "deployment": None, "course": "fy1-2026"}
    ]
    assert listed["leads"] == [{"issuer": platform.issuer, "sub": "tpd-7", "via": "cli"}]
    text = run("programme", "list").output
    assert f"  lead: tpd-7 at {platform.issuer} (cli)" in text
    assert run("programme", "remove", name).exit_code == 0
    assert name not in run("programme", "list").output


def test_mistakes_are_refused_with_a_sentence(run, db, unique):
    platform = make_platform(unique).register(db)
    name = "bad-" + unique
    assert run("programme", "add", "Not A Slug").exit_code == 2
    run("programme", "add", name)
    again = run("programme", "add", name)
    assert again.exit_code == 2 and "exists already" in again.output
    unknown = run("programme", "scope", "add", "--programme", "nope-" + unique, "--issuer", "x")
    assert unknown.exit_code == 2 and "leadpath programme list" in unknown.output
    stranger = run("programme", "scope", "add", "--programme", name, "--issuer", "https://x.test")
    assert stranger.exit_code == 2 and "leadpath platform list" in stranger.output
    untrusted = run(
        "programme", "grant", "--programme", name, "--issuer", platform.issuer, "--sub", "s"
    )
    assert untrusted.exit_code == 2 and "scope add" in untrusted.output
