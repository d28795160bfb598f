"""`leadpath framework import|list|phases` against the run's database."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lti_tool.assess.models import InstitutionSetting
from lti_tool.cli import build

DATA = Path(__file__).resolve().parents[3] / "framework" / "data"


@pytest.fixture
def run(database_url, data_dir):
    runner = CliRunner()
    env = {"LEADPATH_DATABASE_URL": database_url, "LEADPATH_DATA_DIR": str(data_dir)}

    def _run(*args):
        return runner.invoke(build(), list(args), env=env, catch_exceptions=False)

    return _run


def _write(tmp_path, name: str, framework_id: str, version: str, **changes) -> Path:
    document = json.loads((DATA / "lf-2011.json").read_text())
    document.update(id=framework_id, version=version, **changes)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _listed(run, framework_id):
    result = run("framework", "list", "--json")
    assert result.exit_code == 0, result.output
    return [row for row in json.loads(result.output) if row["id"] == framework_id]


def test_import_stores_a_new_framework_and_list_shows_it(run, tmp_path, unique):
    fw_id = f"trust-{unique}"
    result = run("framework", "import", str(_write(tmp_path, "trust.json", fw_id, "2024.1")))
    assert result.exit_code == 0, result.output
    assert f"Stored {fw_id} version 2024.1" in result.output
    [row] = _listed(run, fw_id)
    assert row["version"] == "2024.1"
    assert row["source"] == "imported"
    assert row["current"] is True
    assert row["content_hash"].startswith("sha256:")
    text = run("framework", "list").output
    assert fw_id in text and row["content_hash"][7:19] in text


def test_import_of_a_new_version_becomes_current(run, tmp_path, unique):
    fw_id = f"trust-{unique}"
    run("framework", "import", str(_write(tmp_path, "a.json", fw_id, "1")))
    result = run("framework", "import", str(_write(tmp_path, "b.json", fw_id, "2", title="B")))
    assert result.exit_code == 0, result.output
    rows = _listed(run, fw_id)
    assert [(r["version"], r["current"]) for r in rows] == [("1", False), ("2", True)]


def test_reimporting_identical_content_says_already_stored(run, tmp_path, unique):
    path = _write(tmp_path, "same.json", f"trust-{unique}", "1")
    assert run("framework", "import", str(path)).exit_code == 0
    again = run("framework", "import", str(path))
    assert again.exit_code == 0
    assert "already stored" in again.output
    assert len(_listed(run, f"trust-{unique}")) == 1


def test_reusing_a_version_label_with_other_content_is_refused(run, tmp_path, unique):
    fw_id = f"trust-{unique}"
    run("framework", "import", str(_write(tmp_path, "a.json", fw_id, "1")))
    result = run("framework", "import", str(_write(tmp_path, "b.json", fw_id, "1", title="X")))
    assert result.exit_code == 2
    assert "already stored with different content" in result.output
    assert len(_listed(run, fw_id)) == 1


def test_invalid_file_error_names_file_path_and_problem_on_one_line(run, tmp_path, unique):
    document = json.loads((DATA / "lf-2011.json").read_text())
    document["id"] = f"trust-{unique}"
    document["domains"][1]["elements"][2]["indicators"][0]["stage"] = 7
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    result = run("framework", "import", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: broken.json: domains[1].elements[2].indicators[0].stage")
    assert _listed(run, f"trust-{unique}") == []


def test_malformed_and_missing_files_exit_2(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("framework", "import", str(bad))
    assert result.exit_code == 2
    assert "bad.json: (document): malformed JSON" in result.output
    missing = run("framework", "import", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2
    assert "missing.yaml" in missing.output


def test_phases_set_stores_an_institutions_overrides(run, db, tmp_path, unique):
    issuer = f"https://uni-{unique}.ac.uk"
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"foundation": {"managing-services": 2, "setting-direction": None}}))
    result = run("framework", "phases", "set", "--issuer", issuer, "--file", str(path))
    assert result.exit_code == 0, result.output
    with db.sessions() as session:
        stored = session.get(InstitutionSetting, issuer).phase_overrides
    assert stored == {"foundation": {"managing-services": 2, "setting-direction": None}}
    shown = run("framework", "phases", "show", "--issuer", issuer)
    assert json.loads(shown.output) == stored


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"astronaut": {}}, "overrides.json: astronaut: is not a career phase"),
        ({"foundation": {"cooking": 2}}, "overrides.json: foundation.cooking: 'cooking' is not"),
        ({"foundation": {"managing-services": 5}}, "foundation.managing-services: 5 is not a"),
        ({"foundation": {"managing-services": True}}, "True is not a stage"),
        ({"foundation": [1]}, "foundation: should map domain ids to stages"),
    ],
)
def test_phases_set_refuses_unknown_phases_domains_and_stages(
    run, db, tmp_path, unique, overrides, message
):
    issuer = f"https://uni-{unique}.ac.uk"
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(overrides))
    result = run("framework", "phases", "set", "--issuer", issuer, "--file", str(path))
    assert result.exit_code == 2
    assert message in result.output
    with db.sessions() as session:
        assert session.get(InstitutionSetting, issuer) is None


def test_phases_lists_every_phase_for_every_framework(run):
    result = run("framework", "phases", "list", "--json")
    assert result.exit_code == 0, result.output
    phases = {p["id"]: p for p in json.loads(result.output)["phases"]}
    assert {"f1", "f2", "preceptorship", "cpd", "medical-student", "senior-leader"} <= set(phases)
    assert phases["f1"]["aliases"] == ["foundation"]
    assert phases["cpd"]["aliases"] == ["qualified-practice"]
    frameworks = {"lf-2011", "mlcf-2010", "clcf-2011", "hlm-2013", "ukfp-2021", "gmc-gpc-2017"}
    assert frameworks <= set(phases["f1"]["expected"])
    f1 = phases["f1"]["expected"]
    assert f1["lf-2011"]["working-with-others"] == 2
    assert f1["lf-2011"]["creating-the-vision"] is None
    assert f1["ukfp-2021"] == {"valuable-member-of-the-healthcare-workforce": "f1"}
    assert phases["f2"]["expected"]["ukfp-2021"] == {
        "valuable-member-of-the-healthcare-workforce": "f2"
    }
    assert set(phases["f1"]["expected"]["hlm-2013"].values()) == {None}  # not tied to roles
    assert phases["senior-leader"]["expected"]["lf-2011"]["creating-the-vision"] is not None


def test_phases_alone_prints_the_list_and_an_institutions_stages_apply(run, db, unique):
    issuer = f"https://deanery-{unique}.example"
    with db.transaction() as session:
        session.add(
            InstitutionSetting(issuer=issuer, phase_overrides={"f1": {"setting-direction": 3}})
        )
    text = run("framework", "phases").output
    assert "f1 (also foundation): Foundation year 1 (F1) · Medicine" in text
    assert "  ukfp-2021      valuable-member-of-the-healthcare-workforce f1" in text
    assert re.search(r"\n14 career phases in \d+ frameworks\.\n$", text)
    mine = run("framework", "phases", "list", "--framework", "lf-2011", "--issuer", issuer)
    assert mine.exit_code == 0, mine.output
    f1 = mine.output.split("f1 (also foundation)")[1].split("\n")[1]
    assert "setting-direction 3" in f1 and "hlm-2013" not in mine.output
    unknown = run("framework", "phases", "list", "--framework", "nope")
    assert unknown.exit_code == 2 and "'nope' is not a stored framework" in unknown.output
