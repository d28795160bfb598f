"""`leadpath platform add|list|remove` against the run's database."""

import json

import pytest
from click.testing import CliRunner

from lti_tool.cli import build


@pytest.fixture
def run(database_url, data_dir):
    runner = CliRunner()
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}

    def _run(*args):
        return runner.invoke(build(), list(args), env=env, catch_exceptions=False)

    return _run


def _add(run, unique, *extra):
    return run(
        "platform",
        "add",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"cid-{unique}",
        "--auth-url",
        f"https://moodle-{unique}.ac.uk/auth",
        "--token-url",
        f"https://moodle-{unique}.ac.uk/token",
        "--jwks-url",
        f"https://moodle-{unique}.ac.uk/certs",
        *extra,
    )


def _listed(run, unique):
    listed = json.loads(run("platform", "list", "--json").output)
    return [p for p in listed if p["client_id"] == f"cid-{unique}"]


def test_platform_add_then_list_shows_the_registration(run, unique):
    result = _add(run, unique, "--deployment-id", "1", "--deployment-id", "2")
    assert result.exit_code == 0, result.output
    assert "Registered" in result.output
    [platform] = _listed(run, unique)
    assert platform["deployment_ids"] == ["1", "2"]
    assert platform["key_set_url"] == f"https://moodle-{unique}.ac.uk/certs"


def test_platform_add_again_adds_deployments_without_duplicating(run, unique):
    _add(run, unique, "--deployment-id", "1")
    result = run(
        "platform",
        "add",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"cid-{unique}",
        "--deployment-id",
        "1",
        "--deployment-id",
        "7",
    )
    assert result.exit_code == 0, result.output
    assert "Updated" in result.output
    assert _listed(run, unique)[0]["deployment_ids"] == ["1", "7"]


def test_several_client_ids_per_issuer_are_separate_registrations(run, unique):
    _add(run, unique, "--deployment-id", "1")
    result = run(
        "platform",
        "add",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"second-{unique}",
        "--auth-url",
        "https://a.test/auth",
        "--token-url",
        "https://a.test/token",
        "--jwks-url",
        "https://a.test/jwks",
        "--deployment-id",
        "9",
    )
    assert result.exit_code == 0
    listed = json.loads(run("platform", "list", "--json").output)
    issuers = [p for p in listed if p["issuer"] == f"https://moodle-{unique}.ac.uk"]
    assert {p["client_id"] for p in issuers} == {f"cid-{unique}", f"second-{unique}"}


def test_new_platform_without_urls_is_refused_with_a_usage_error(run, unique):
    result = run(
        "platform",
        "add",
        "--issuer",
        "https://x.test",
        "--client-id",
        f"n-{unique}",
        "--deployment-id",
        "1",
    )
    assert result.exit_code == 2
    assert "needs --auth-url, --token-url and --jwks-url" in result.output


def test_platform_remove_deletes_the_registration(run, unique):
    _add(run, unique, "--deployment-id", "1")
    result = run(
        "platform",
        "remove",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"cid-{unique}",
    )
    assert result.exit_code == 0
    assert _listed(run, unique) == []
    again = run(
        "platform",
        "remove",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"cid-{unique}",
    )
    assert again.exit_code == 1
    assert "No registration" in again.output


def test_plain_list_is_readable(run, unique):
    _add(run, unique, "--deployment-id", "d1", "--name", "University of Testing")
    output = run("platform", "list").output
    assert (
        f"https://moodle-{unique}.ac.uk  client id cid-{unique}  (University of Testing)" in output
    )


def test_platform_add_refuses_an_address_that_is_not_http(run, unique):
    result = run(
        "platform",
        "add",
        "--issuer",
        f"https://moodle-{unique}.ac.uk",
        "--client-id",
        f"cid-{unique}",
        "--auth-url",
        "javascript:alert(1)",
        "--token-url",
        f"https://moodle-{unique}.ac.uk/token",
        "--jwks-url",
        f"https://moodle-{unique}.ac.uk/certs",
    )
    assert result.exit_code == 2
    assert "--auth-url must be an http(s) address" in result.output
    assert _listed(run, unique) == []
