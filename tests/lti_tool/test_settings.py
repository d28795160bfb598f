"""Settings: defaults, parsing, and a bad value stopping start-up with one clear line."""

import dataclasses
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lti_tool.settings import READ_ELSEWHERE, Settings, SettingsError, env_name, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_environment(tmp_path):
    settings = load_settings({"LEADPATH_DATA_DIR": str(tmp_path)})
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.clock_skew == 60
    assert settings.database_url == f"sqlite:///{(tmp_path / 'leadpath.db').resolve()}"
    assert settings.redis_url is None and settings.demo is False


def test_postgres_urls_use_the_psycopg_driver():
    settings = load_settings({"LEADPATH_DATABASE_URL": "postgresql://u@db/leadpath"})
    assert settings.database_url == "postgresql+psycopg://u@db/leadpath"


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("LEADPATH_CLOCK_SKEW", "soon", "a whole number of seconds"),
        ("LEADPATH_BASE_URL", "leadpath.example", "an http(s) URL"),
        ("LEADPATH_DATABASE_URL", "mysql://x", "an SQLAlchemy URL"),
        ("LEADPATH_REDIS_URL", "127.0.0.1:6379", "a Redis URL"),
        ("LEADPATH_DEMO", "perhaps", "true or false"),
    ],
)
def test_bad_setting_names_the_variable_and_expected_form(name, value, expected):
    with pytest.raises(SettingsError) as error:
        load_settings({name: value})
    assert str(error.value).startswith(name + " must be " + expected)
    assert repr(value) in str(error.value)


def test_toml_file_sets_values_and_environment_wins(tmp_path):
    config = tmp_path / "leadpath.toml"
    config.write_text('base_url = "https://lp.example.ac.uk"\nclock_skew = 30\n')
    settings = load_settings({"LEADPATH_CONFIG_FILE": str(config), "LEADPATH_CLOCK_SKEW": "90"})
    assert settings.base_url == "https://lp.example.ac.uk"
    assert settings.clock_skew == 90


def test_cli_stops_with_one_line_naming_a_bad_variable(tmp_path):
    env = {**os.environ, "LEADPATH_CLOCK_SKEW": "a minute", "LEADPATH_DATA_DIR": str(tmp_path)}
    leadpath = Path(sys.executable).parent / "leadpath"
    result = subprocess.run(
        [str(leadpath), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert error_lines[-1] == (
        "Error: LEADPATH_CLOCK_SKEW must be a whole number of seconds such as 60 (got 'a minute')."
    )
    assert "Traceback" not in result.stderr


# Strict names: an unknown variable or key stops start-up naming it and the closest known name.


def test_an_unknown_variable_is_named_with_the_closest_known_name():
    with pytest.raises(SettingsError) as error:
        load_settings({"LEADPATH_CLOKC_SKEW": "30"})
    assert str(error.value) == (
        "Unknown setting LEADPATH_CLOKC_SKEW (did you mean LEADPATH_CLOCK_SKEW?)"
    )


def test_an_unknown_variable_like_no_setting_points_to_the_readme():
    with pytest.raises(SettingsError) as error:
        load_settings({"LEADPATH_COLOUR": "blue"})
    assert str(error.value) == "Unknown setting LEADPATH_COLOUR (the README lists every setting)"


def test_every_unknown_variable_is_named_on_the_one_line():
    with pytest.raises(SettingsError) as error:
        load_settings({"LEADPATH_DEMMO": "true", "LEADPATH_LOG_LEVLE": "INFO"})
    assert str(error.value) == (
        "Unknown settings LEADPATH_DEMMO (did you mean LEADPATH_DEMO?); "
        "LEADPATH_LOG_LEVLE (did you mean LEADPATH_LOG_LEVEL?)"
    )


def test_an_unknown_toml_key_is_named_with_its_file(tmp_path):
    config = tmp_path / "leadpath.toml"
    config.write_text('base_url = "https://lp.example.ac.uk"\nclokc_skew = 30\n')
    with pytest.raises(SettingsError) as error:
        load_settings({"LEADPATH_CONFIG_FILE": str(config)})
    assert str(error.value) == f"Unknown setting clokc_skew in {config} (did you mean clock_skew?)"


def test_an_unknown_app_setting_is_refused_by_create_app():
    from lti_tool import create_app

    with pytest.raises(SettingsError, match=r"^Unknown setting 'clokc_skew' \(did you mean"):
        create_app({"clokc_skew": 30})


def test_create_app_refuses_an_unknown_variable(monkeypatch):
    from lti_tool import create_app

    monkeypatch.setenv("LEADPATH_CLOKC_SKEW", "30")
    with pytest.raises(SettingsError, match="LEADPATH_CLOKC_SKEW"):
        create_app()


def test_destination_lrs_names_are_open_but_their_parts_are_not(tmp_path):
    lrs = {
        "LEADPATH_LRS_DEANERY_NORTH_ENDPOINT": "https://lrs.example/xapi",
        "LEADPATH_LRS_DEANERY_NORTH_KEY": "k",
        "LEADPATH_LRS_DEANERY_NORTH_SECRET": "s",
        "LEADPATH_LRS_DEANERY_NORTH_COURSES": "c1",
    }
    settings = load_settings(lrs)
    assert settings.extra["lrs_deanery_north_courses"] == "c1"
    with pytest.raises(SettingsError) as misspelt:
        load_settings({**lrs, "LEADPATH_LRS_DEANERY_NORTH_PLATFROMS": "https://moodle.a"})
    assert str(misspelt.value) == (
        "Unknown setting LEADPATH_LRS_DEANERY_NORTH_PLATFROMS "
        "(did you mean LEADPATH_LRS_DEANERY_NORTH_PLATFORMS?)"
    )
    with pytest.raises(SettingsError) as orphan:
        load_settings({**lrs, "LEADPATH_LRS_DEANERY_SOUTH_KEY": "k"})
    assert str(orphan.value).startswith(
        "LEADPATH_LRS_DEANERY_SOUTH_KEY is set but LEADPATH_LRS_DEANERY_SOUTH_ENDPOINT is not"
    )


@pytest.mark.parametrize("name", sorted(set(READ_ELSEWHERE) - {"config_file"}))
def test_variables_read_by_deployment_files_and_tests_are_known(name):
    assert load_settings({env_name(name): "a value"}).extra == {}


def _leaf_commands(group, path=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_cli_command_stops_on_an_unknown_variable(tmp_path):
    from click.testing import CliRunner

    from lti_tool.cli import build

    cli = build()
    env = {"LEADPATH_DATA_DIR": str(tmp_path), "LEADPATH_CLOKC_SKEW": "30"}
    commands = list(_leaf_commands(cli))
    assert ("serve",) in commands and ("db", "upgrade") in commands
    for command in commands:
        result = CliRunner().invoke(cli, list(command), env=env)
        assert result.exit_code == 2, (command, result.output)
        assert result.output.strip().splitlines() == [
            "Error: Unknown setting LEADPATH_CLOKC_SKEW (did you mean LEADPATH_CLOCK_SKEW?)"
        ], command
    assert not (tmp_path / "leadpath.db").exists()


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_the_leadpath_script_stops_with_one_line_on_an_unknown_variable(tmp_path, command):
    env = {**os.environ, "LEADPATH_CLOKC_SKEW": "30", "LEADPATH_DATA_DIR": str(tmp_path)}
    leadpath = Path(sys.executable).parent / "leadpath"
    result = subprocess.run(
        [str(leadpath), *command], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Error: Unknown setting LEADPATH_CLOKC_SKEW (did you mean LEADPATH_CLOCK_SKEW?)"
    ]
    assert result.stdout == ""


def test_gunicorn_stops_with_one_line_before_any_worker_starts(tmp_path):
    env = {**os.environ, "LEADPATH_CLOKC_SKEW": "30", "LEADPATH_DATA_DIR": str(tmp_path)}
    env["LEADPATH_BIND"] = "127.0.0.1:0"
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert (
        "Error: Unknown setting LEADPATH_CLOKC_SKEW (did you mean LEADPATH_CLOCK_SKEW?)"
        in result.stderr.splitlines()
    )
    assert "Booting worker" not in result.stderr and "Traceback" not in result.stderr


def _readme_configuration_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(LEADPATH_[A-Z0-9_<>]+)`", section, flags=re.MULTILINE))


KNOWN = {env_name(f.name) for f in dataclasses.fields(Settings) if f.name != "extra"} | {
    env_name(name) for name in READ_ELSEWHERE
}


def test_the_readme_configuration_table_lists_every_setting_and_nothing_else():
    assert _readme_configuration_table() == KNOWN | {"LEADPATH_LRS_<NAME>_ENDPOINT"}


def test_every_leadpath_variable_the_config_files_use_is_known():
    found = set()
    for path in (p for p in (ROOT / "config").rglob("*") if p.is_file()):
        found.update(re.findall(r"\bLEADPATH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    assert {"LEADPATH_WORKERS", "LEADPATH_BIND", "LEADPATH_BASE_URL"} <= found
    assert found <= KNOWN
    toml = tomllib.loads((ROOT / "config" / "leadpath.example.toml").read_text())
    assert {env_name(key) for key in toml} <= KNOWN - {env_name(n) for n in READ_ELSEWHERE}
