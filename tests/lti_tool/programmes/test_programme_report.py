"""`leadpath report programme` prints the figures the programme page shows."""

import csv
import io
import json
import re

from click.testing import CliRunner

from lti_tool.cli import build
from tests.lti_tool.programmes.conftest import completed, lead_token


def _run(database_url, data_dir, *args):
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(build(), list(args), env=env, catch_exceptions=False)


def test_report_programme_matches_the_page(client, world, database_url, data_dir):
    completed(client, world.deanery, "fy2-7", 1, "f2", name="Cal Dunn", context={"id": "fy2"})
    lead, _ = lead_token(client, world.deanery, "tpd-r", world.slug)
    page = client.get(f"/programme?ls={lead}").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="(\w+)">[^<]*<strong>(\d+)<', page))

    as_json = _run(
        database_url, data_dir, "report", "programme", "--programme", world.slug, "--format", "json"
    )
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert {k: str(v) for k, v in data["counts"].items()} == figures
    assert as_json.stderr.strip() == "2 trainees"

    as_csv = _run(database_url, data_dir, "report", "programme", "--programme", world.slug)
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    exported = client.get(f"/programme/export.csv?ls={lead}&programme={world.slug}")
    assert rows == list(csv.reader(io.StringIO(exported.get_data(as_text=True))))

    f2 = json.loads(
        _run(
            database_url,
            data_dir,
            "report",
            "programme",
            "--programme",
            world.slug,
            "--phase",
            "f2",
            "--format",
            "json",
        ).stdout
    )
    assert [t["Trainee"] for t in f2["trainees"]] == ["Cal Dunn"]
    missing = _run(database_url, data_dir, "report", "programme", "--programme", "no-such")
    assert missing.exit_code == 2 and "no programme called" in missing.output
