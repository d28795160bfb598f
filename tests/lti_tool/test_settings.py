"""Settings: defaults, parsing, and a bad value stopping start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lti_tool.settings import SettingsError, load_settings


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
