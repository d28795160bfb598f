"""Framework and career-phase IRIs resolve to a page for people and JSON for software."""

import json
from pathlib import Path

import pytest

from framework import load_bundled, load_phases, to_json
from framework.iri import element_iri, iri_of
from lti_tool.assess.framework_versions import import_framework

BASE = "http://localhost"
LF = load_bundled()["lf-2011"]
DATA = Path(__file__).resolve().parents[2] / "framework" / "data"
JSON_ACCEPT = {"Accept": "application/json"}


def _path(iri: str) -> str:
    assert iri.startswith(BASE)
    return iri[len(BASE) :]


@pytest.mark.parametrize("path", [e.path for e in LF.elements()])
def test_every_lf_element_iri_answers_a_page_and_its_json_definition(client, path):
    iri = element_iri(BASE, "lf-2011", path)
    page = client.get(_path(iri), headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    element = LF.element(path)
    assert f"<h1>{element.title}</h1>" in text
    assert 'aria-label="Breadcrumb"' in text
    for indicator in element.indicators:
        assert iri_of(BASE, indicator) in text
    data = client.get(_path(iri), headers=JSON_ACCEPT)
    assert data.status_code == 200
    assert data.mimetype == "application/json"
    assert data.get_json() == to_json(element, BASE)
    assert "Accept" in data.headers["Vary"]


def test_framework_domain_stage_and_indicator_iris_answer_their_definitions(client):
    domain = LF.domains[1]
    indicator = next(LF.indicators())
    for obj in (LF, domain, LF.stages[0], indicator):
        response = client.get(_path(iri_of(BASE, obj)), headers=JSON_ACCEPT)
        assert response.status_code == 200, iri_of(BASE, obj)
        assert response.get_json() == to_json(obj, BASE)


def test_framework_page_links_every_domain_and_element(client):
    text = client.get("/frameworks/lf-2011").get_data(as_text=True)
    for domain in LF.domains:
        assert iri_of(BASE, domain) in text
    for element in LF.elements():
        assert iri_of(BASE, element) in text


def test_level_rated_framework_resolves_its_levels(client):
    hlm = load_bundled()["hlm-2013"]
    level = hlm.stages[-1]
    response = client.get(_path(iri_of(BASE, level)), headers=JSON_ACCEPT)
    assert response.status_code == 200
    assert response.get_json() == to_json(level, BASE)
    assert "/levels/" in iri_of(BASE, level)


def test_every_career_phase_iri_resolves(client):
    for phase in load_phases().values():
        path = _path(iri_of(BASE, phase))
        assert client.get(path, headers=JSON_ACCEPT).get_json() == to_json(phase, BASE)
        page = client.get(path).get_data(as_text=True)
        assert phase.title in page
        assert "Expected stage" in page


@pytest.mark.parametrize(
    "path",
    [
        "/frameworks/no-such-framework",
        "/frameworks/lf-2011/elements/working-with-others/no-such-element",
        "/frameworks/lf-2011/domains/no-such-domain",
        "/frameworks/lf-2011/stages/9",
        "/frameworks/lf-2011/levels/strong",
        "/frameworks/lf-2011/indicators/nothing",
        "/frameworks/lf-2011/whatever/else",
        "/career-phases/astronaut",
    ],
)
def test_unknown_iri_is_a_404_with_a_sentence(client, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "Nothing is defined at this address" in page.get_data(as_text=True)
    data = client.get(path, headers=JSON_ACCEPT)
    assert data.status_code == 404
    assert data.get_json()["error"] == "unknown_iri"
    assert data.get_json()["message"].endswith(".")


def test_frameworks_index_lists_every_stored_framework(client):
    listed = client.get("/frameworks", headers=JSON_ACCEPT).get_json()
    ids = {fw["id"] for fw in listed["frameworks"]}
    assert {"lf-2011", "mlcf-2010", "clcf-2011", "hlm-2013"} <= ids
    assert {p["id"] for p in listed["career_phases"]} == set(load_phases())
    page = client.get("/frameworks").get_data(as_text=True)
    assert "http://localhost/frameworks/lf-2011" in page


def _edition(framework_id: str, version: str, title: str) -> str:
    document = json.loads((DATA / "lf-2011.json").read_text())
    document.update(id=framework_id, version=version, title=title)
    return json.dumps(document)


def test_newest_imported_version_is_shown_and_older_one_with_version_query(client, db, unique):
    fw_id = f"lf-local-{unique}"
    with db.transaction() as session:
        import_framework(session, _edition(fw_id, "1", "Local LF first edition"), "a.json")
    with db.transaction() as session:
        import_framework(session, _edition(fw_id, "2", "Local LF second edition"), "b.json")
    path = f"/frameworks/{fw_id}/elements/working-with-others/developing-networks"
    newest = client.get(f"/frameworks/{fw_id}", headers=JSON_ACCEPT).get_json()
    assert (newest["version"], newest["title"]) == ("2", "Local LF second edition")
    assert client.get(path, headers=JSON_ACCEPT).get_json()["framework"] == fw_id
    older = client.get(f"/frameworks/{fw_id}?version=1", headers=JSON_ACCEPT).get_json()
    assert (older["version"], older["title"]) == ("1", "Local LF first edition")
    page = client.get(f"{path}?version=1").get_data(as_text=True)
    assert "version 1 (an earlier version)" in page
    assert "?version=1" in page
    missing = client.get(f"/frameworks/{fw_id}?version=3", headers=JSON_ACCEPT)
    assert missing.status_code == 404
    assert "stored versions: 1, 2" in missing.get_json()["message"]


def _page(client, path: str) -> str:
    import html

    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "path",
    [
        "/frameworks/lf-2011",
        "/frameworks/lf-2011/domains/working-with-others",
        "/frameworks/lf-2011/elements/working-with-others/developing-networks",
        "/frameworks/lf-2011/stages/2",
    ],
)
def test_every_lf_page_says_it_is_superseded_with_its_attribution_and_independence(client, path):
    text = _page(client, path)
    assert "is superseded by the Healthcare Leadership Model (2013)." in text
    assert "Official texts © NHS Leadership Academy." in text
    assert "not produced, reviewed or endorsed by the NHS Leadership Academy" in text


@pytest.mark.parametrize("framework_id", ["hlm-2013", "mlcf-2010", "ukfp-2021", "gmc-gpc-2017"])
def test_each_frameworks_page_carries_its_own_notices_and_no_superseded_status(
    client, framework_id
):
    framework = load_bundled()[framework_id]
    text = _page(client, f"/frameworks/{framework_id}")
    for sentence in (framework.attribution, framework.licence_note, framework.independence):
        assert sentence and sentence in text
    assert "Academy of Medical Royal Colleges, the NHS Institute" in text  # general statement
    assert "is superseded by" not in text


def test_leadpath_defined_stages_and_senior_domains_say_so(client):
    senior = _page(client, "/frameworks/lf-2011/domains/creating-the-vision")
    assert "sets no stages for it" in senior
    element = _page(
        client, "/frameworks/mlcf-2010/elements/working-with-others/developing-networks"
    )
    assert element.count("(defined by leadpath)") == 4
    own = _page(client, "/frameworks/lf-2011/elements/working-with-others/developing-networks")
    assert "(defined by leadpath)" not in own


def test_the_frameworks_list_marks_the_lf_superseded(client):
    text = _page(client, "/frameworks")
    row = text.split("NHS Leadership Framework</a>", 1)[1].split("</tr>", 1)[0]
    assert "Superseded by the Healthcare Leadership Model (2013)." in row
    assert "not produced, reviewed or endorsed" in text


def test_a_career_phase_page_gives_its_expectations_in_every_framework(client):
    f2 = _page(client, "/career-phases/f2")
    assert "UK Foundation Programme Curriculum 2021" in f2
    ukfp = load_bundled()["ukfp-2021"]
    assert f"{ukfp.domains[0].title}, {ukfp.stage('f2').title}" in f2
    assert "its levels are not tied to a role or career phase" in f2  # the HLM
    for phase_id in ("f1", "preceptorship", "cpd", "foundation"):
        assert _page(client, f"/career-phases/{phase_id}")
