"""`leadpath report course` prints the figures the course page shows."""

import csv
import io
import json
import re

from click.testing import CliRunner

from lti_tool.cli import build
from tests.lti_tool.courses.test_course_view import _completed, _instructor


def _run(database_url, data_dir, *args):
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(build(), list(args), env=env, catch_exceptions=False)


def test_report_course_matches_the_page_and_its_csv(client, platform, database_url, data_dir):
    _completed(client, platform, "rep-1", 3, name="Rae One")
    _completed(client, platform, "rep-2", 1, name="Rob Two", phase="f2")
    tutor = _instructor(client, platform)
    page = client.get(f"/course?ls={tutor}").get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)">[^<]*<strong>(\d+)<', page))

    args = ("report", "course", "--issuer", platform.issuer, "--course", "course-1")
    as_json = _run(database_url, data_dir, *args, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert {k: str(v) for k, v in data["counts"].items()} == counts
    assert as_json.stderr.strip() == "2 learners"

    as_csv = _run(database_url, data_dir, *args)
    exported = client.get(f"/course/export.csv?ls={tutor}").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == list(csv.reader(io.StringIO(exported)))

    missing = _run(database_url, data_dir, "report", "course", "--issuer", "x", "--course", "y")
    assert missing.exit_code == 2 and "has launched leadpath yet" in missing.output
