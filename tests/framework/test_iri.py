import json

import pytest

from framework.iri import (
    UnknownIRIError,
    career_phase_iri,
    domain_iri,
    element_iri,
    framework_iri,
    indicator_iri,
    iri_of,
    resolve,
    stage_iri,
    to_json,
)
from framework.loader import load_bundled
from framework.phases import load_phases

BASE = "https://lead.example.ac.uk/leadpath"


@pytest.fixture(scope="module")
def frameworks():
    return load_bundled()


def test_iri_patterns_follow_the_published_contract():
    assert framework_iri(BASE, "lf-2011") == f"{BASE}/frameworks/lf-2011"
    assert domain_iri(BASE + "/", "lf-2011", "working-with-others") == (
        f"{BASE}/frameworks/lf-2011/domains/working-with-others"
    )
    assert element_iri(BASE, "lf-2011", "working-with-others/developing-networks") == (
        f"{BASE}/frameworks/lf-2011/elements/working-with-others/developing-networks"
    )
    assert stage_iri(BASE, "lf-2011", 3) == f"{BASE}/frameworks/lf-2011/stages/3"
    assert stage_iri(BASE, "hlm-2013", "strong") == f"{BASE}/frameworks/hlm-2013/levels/strong"
    assert indicator_iri(BASE, "lf-2011", "planning-2a") == (
        f"{BASE}/frameworks/lf-2011/indicators/planning-2a"
    )
    assert career_phase_iri(BASE, "foundation") == f"{BASE}/career-phases/foundation"


def test_every_lf_element_round_trips_through_its_iri(frameworks):
    lf = frameworks["lf-2011"]
    for element in lf.elements():
        iri = iri_of(BASE, element)
        assert iri == element_iri(BASE, "lf-2011", element.path)
        assert resolve(BASE, iri, frameworks) is element


def test_every_named_object_of_every_bundled_framework_round_trips(frameworks):
    for fw in frameworks.values():
        objects = [fw, *fw.domains, *fw.elements(), *fw.stages, *fw.indicators()]
        for obj in objects:
            assert resolve(BASE, iri_of(BASE, obj), frameworks) == obj


def test_levels_resolve_by_slug_and_stages_by_number(frameworks):
    level = resolve(BASE, f"{BASE}/frameworks/hlm-2013/levels/proficient", frameworks)
    assert (level.number, level.key) == (2, "proficient")
    assert resolve(BASE, f"{BASE}/frameworks/lf-2011/stages/2", frameworks).number == 2
    with pytest.raises(UnknownIRIError):
        resolve(BASE, f"{BASE}/frameworks/hlm-2013/stages/2", frameworks)
    with pytest.raises(UnknownIRIError):
        resolve(BASE, f"{BASE}/frameworks/lf-2011/levels/strong", frameworks)


def test_career_phases_round_trip(frameworks):
    for phase in load_phases().values():
        assert resolve(BASE, iri_of(BASE, phase), frameworks) == phase


def test_trailing_slash_query_and_fragment_are_ignored(frameworks):
    iri = f"{BASE}/frameworks/lf-2011/domains/managing-services/?format=json#top"
    assert resolve(BASE, iri, frameworks).id == "managing-services"


@pytest.mark.parametrize(
    "iri",
    [
        "https://elsewhere.example/frameworks/lf-2011",
        f"{BASE}/frameworks/xx-2000",
        f"{BASE}/frameworks/lf-2011/elements/working-with-others",
        f"{BASE}/frameworks/lf-2011/elements/working-with-others/nope",
        f"{BASE}/frameworks/lf-2011/stages/9",
        f"{BASE}/frameworks/lf-2011/indicators/nope",
        f"{BASE}/career-phases/intern",
        f"{BASE}/frameworks/lf-2011/domains/working-with-others/extra",
    ],
)
def test_unknown_iris_raise(frameworks, iri):
    with pytest.raises(UnknownIRIError):
        resolve(BASE, iri, frameworks)


def test_to_json_of_every_kind_is_json_serialisable_and_carries_its_iri(frameworks):
    lf = frameworks["lf-2011"]
    element = lf.element("working-with-others/developing-networks")
    for obj in [lf, lf.domains[0], element, lf.stage(1), element.indicators[0]]:
        data = to_json(obj, BASE)
        json.dumps(data)
        assert data["iri"] == iri_of(BASE, obj)
    phase = to_json(load_phases()["undergraduate"], BASE)
    assert phase["expected"]["creating-the-vision"] is None


def test_element_json_lists_its_indicators_with_stage_keys(frameworks):
    data = to_json(frameworks["hlm-2013"].element("holding-to-account/holding-to-account"))
    assert data["type"] == "element" and "iri" not in data
    assert data["indicators"][0]["stage"] == "essential"
    assert data["indicators"][0]["stage_number"] == 1


def test_framework_json_nests_domains_elements_and_indicators(frameworks):
    data = to_json(frameworks["lf-2011"], BASE)
    assert data["rating"]["kind"] == "stages"
    assert len(data["rating"]["stages"]) == 4
    assert len(data["domains"]) == 7
    assert data["domains"][1]["elements"][0]["iri"].endswith(
        "/elements/working-with-others/developing-networks"
    )


@pytest.mark.parametrize(
    "phase_id", ["f1", "f2", "preceptorship", "cpd", "foundation", "undergraduate"]
)
def test_new_and_former_phase_ids_resolve(frameworks, phase_id):
    phase = resolve(BASE, f"{BASE}/career-phases/{phase_id}", frameworks)
    assert phase is load_phases()[phase_id]


def test_every_id_in_the_phases_and_crosswalks_resolves_to_a_bundled_object(frameworks):
    from framework.crosswalk import load_bundled_crosswalks

    for walk in load_bundled_crosswalks().values():
        for link in walk.links:
            for fw_id, path in ((walk.source, link.source), (walk.target, link.target)):
                iri = element_iri(BASE, fw_id, path)
                assert resolve(BASE, iri, frameworks).path == path
    for phase in load_phases().values():
        for fw_id, expected in [("lf-2011", phase.expected), *phase.expected_in.items()]:
            for domain_id, key in expected.items():
                assert resolve(BASE, domain_iri(BASE, fw_id, domain_id), frameworks).id == domain_id
                if key is not None:
                    frameworks[fw_id].stage(key)


def test_json_carries_provenance_for_pages(frameworks):
    lf = to_json(frameworks["lf-2011"], BASE)
    assert (lf["status"], lf["superseded_by"]) == ("superseded", "hlm-2013")
    assert lf["attribution"] and lf["independence"] and lf["sources"]
    senior = next(d for d in lf["domains"] if d["id"] == "creating-the-vision")
    assert senior["scope"] == "senior"
    assert senior["elements"][0]["indicators"][0]["origin"] == "leadpath"
    mlcf = to_json(frameworks["mlcf-2010"])
    assert mlcf["rating"]["stages"][0]["origin"] == "leadpath"
    hlm = to_json(frameworks["hlm-2013"])
    assert [p["label"] for p in hlm["importance"]["points"]][-1] == "Critical to the role"
    assert hlm["domains"][-1]["elements"][0]["prompt"].endswith("?")
    f1 = to_json(load_phases()["f1"], BASE)
    assert f1["professions"] == ["medicine"]
    assert f1["expected_in"]["ukfp-2021"] == {"valuable-member-of-the-healthcare-workforce": "f1"}
