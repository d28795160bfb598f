import json
from pathlib import Path

import jsonschema
import pytest

from framework.crosswalk import (
    BUNDLED_CROSSWALKS,
    crosswalk_between,
    load_bundled_crosswalks,
    load_crosswalk_text,
    translate,
)
from framework.errors import CrosswalkNotInvertibleError, FrameworkFileError
from framework.files import schema
from framework.loader import bundled

CROSSWALKS = Path(__file__).resolve().parents[2] / "framework" / "data" / "crosswalks"


def hlm(dimension):
    return f"{dimension}/{dimension}"


@pytest.mark.parametrize("name", BUNDLED_CROSSWALKS)
def test_bundled_crosswalk_validates_against_schema_and_frameworks(name):
    document = json.loads((CROSSWALKS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator(schema("crosswalk")).validate(document)
    assert load_bundled_crosswalks()[name].id == name


@pytest.mark.parametrize("name", BUNDLED_CROSSWALKS)
def test_every_link_and_stage_pair_of_every_crosswalk_carries_a_reason(name):
    walk = load_bundled_crosswalks()[name]
    assert all(len(link.note) > 20 and link.note.endswith(".") for link in walk.links)
    assert [s for s, _ in walk.stage_notes] == [s for s, _ in walk.stage_map]
    assert all(note.endswith(".") for _, note in walk.stage_notes)


@pytest.mark.parametrize("name", BUNDLED_CROSSWALKS)
def test_every_crosswalk_says_it_is_leadpaths_indicative_mapping(name):
    walk = load_bundled_crosswalks()[name]
    assert walk.indicative is True
    assert "leadpath's own indicative mapping" in walk.statement
    assert "not been reviewed or endorsed" in walk.statement


def test_a_link_without_a_note_is_refused():
    document = json.loads((CROSSWALKS / "lf-2011__hlm-2013.json").read_text())
    del document["mappings"][4]["note"]
    with pytest.raises(FrameworkFileError) as info:
        load_crosswalk_text(json.dumps(document), "cw.json")
    assert str(info.value) == "cw.json: mappings[4]: missing required field 'note'."


def test_lf_to_hlm_links_every_core_element_but_planning_and_resources_and_feeds_every_dimension():
    walk = load_bundled_crosswalks()["lf-2011__hlm-2013"]
    lf, hlm_fw = bundled("lf-2011"), bundled("hlm-2013")
    unlinked = {e.path for e in lf.elements()} - {k.source for k in walk.links}
    assert unlinked == {"managing-services/planning", "managing-services/managing-resources"}
    rated = {e.path for d in hlm_fw.domains if d.is_rated for e in d.elements}
    assert {k.target for k in walk.links} == rated


def test_lf_to_hlm_weights_revisited():
    walk = load_bundled_crosswalks()["lf-2011__hlm-2013"]
    weight = {(k.source, k.target): k.weight for k in walk.links}
    assert (
        weight[
            "working-with-others/building-and-maintaining-relationships", hlm("leading-with-care")
        ]
        == 1
    )
    assert weight["managing-services/managing-people", hlm("holding-to-account")] == 1
    assert len(walk.sources_of(hlm("holding-to-account"))) == 5


def test_lf_stages_are_not_read_as_hlm_levels_one_for_one():
    walk = load_bundled_crosswalks()["lf-2011__hlm-2013"]
    hlm_fw = bundled("hlm-2013")
    keys = {s: hlm_fw.stage(t).key for s, t in walk.stage_map}
    assert keys == {1: "essential", 2: "proficient", 3: "strong", 4: "strong"}


@pytest.mark.parametrize("name", ["mlcf-2010", "clcf-2011"])
def test_round_trip_through_lf_gives_back_the_same_stages(name):
    framework = bundled(name)
    walk = crosswalk_between(name, "lf-2011")
    back = crosswalk_between("lf-2011", name)
    original = {e.path: i % 5 for i, e in enumerate(framework.elements())}
    as_lf = translate(original, walk)
    assert len(as_lf) == 20
    assert translate(as_lf, back) == original


def test_mlcf_record_reads_as_the_namesake_lf_elements():
    result = {"working-with-others/developing-networks": 3, "managing-services/planning": 0}
    assert translate(result, crosswalk_between("mlcf-2010", "lf-2011")) == result


def test_lf_profile_to_hlm_combines_elements_by_weighted_mean_rounded_down():
    lf = bundled("lf-2011")
    profile = dict.fromkeys((e.path for e in lf.elements()), 1)
    profile |= {
        "working-with-others/building-and-maintaining-relationships": 4,  # weight 0.5
        "working-with-others/encouraging-contribution": 3,  # weight 1
        "working-with-others/working-within-teams": 2,  # weight 1
        "improving-services/encouraging-improvement-and-innovation": 1,  # weight 0.5
    }
    result = translate(profile, crosswalk_between("lf-2011", "hlm-2013"))
    # stages map to levels 3, 3, 2, 1 (stage 4 reads as strong, 3):
    # (0.5*3 + 1*3 + 1*2 + 0.5*1) / (0.5 + 1 + 1 + 0.5) = 7 / 3 = 2.33 -> 2 (proficient)
    assert result[hlm("engaging-the-team")] == 2
    assert bundled("hlm-2013").stage(result[hlm("engaging-the-team")]).key == "proficient"
    # connecting-our-service: networks (1), contexts for change (1), wider system (0.5), all 1
    assert result[hlm("connecting-our-service")] == 1
    assert len(result) == 9


def test_translation_uses_only_sources_that_have_a_result():
    walk = crosswalk_between("lf-2011", "hlm-2013")
    result = translate({"managing-services/managing-performance": 3}, walk)
    assert result == {hlm("holding-to-account"): 3}


def test_weighted_mean_is_exact_at_whole_numbers():
    walk = crosswalk_between("lf-2011", "hlm-2013")
    # sharing-the-vision: 0.5*t + 1*v + 1*c + 0.5*f + 0.5*d with all 3 -> exactly 3, not 2.999…
    assert len(walk.sources_of(hlm("sharing-the-vision"))) == 5
    sources = [k.source for k in walk.sources_of(hlm("sharing-the-vision"))]
    assert translate(dict.fromkeys(sources, 3), walk)[hlm("sharing-the-vision")] == 3


def test_not_yet_at_stage_one_maps_to_zero_and_none_is_ignored():
    walk = crosswalk_between("lf-2011", "hlm-2013")
    result = translate(
        {"managing-services/managing-performance": 0, "managing-services/planning": None}, walk
    )
    assert result == {hlm("holding-to-account"): 0}


def test_translate_accepts_objects_with_an_attained_stage():
    class Score:
        attained = 2

    walk = crosswalk_between("mlcf-2010", "lf-2011")
    assert translate({"managing-services/planning": Score()}, walk) == {
        "managing-services/planning": 2
    }


def test_reading_a_many_to_many_crosswalk_backwards_is_refused():
    walk = load_bundled_crosswalks()["lf-2011__hlm-2013"]
    assert not walk.is_one_to_one
    with pytest.raises(CrosswalkNotInvertibleError) as info:
        walk.inverse()
    assert "many-to-many" in str(info.value)
    with pytest.raises(CrosswalkNotInvertibleError):
        crosswalk_between("hlm-2013", "lf-2011")


@pytest.mark.parametrize("curriculum", ["ukfp-2021", "gmc-gpc-2017", "gmc-ofg-2018"])
def test_curricula_cannot_be_read_back_as_lf_or_hlm(curriculum):
    for source in ("lf-2011", "hlm-2013"):
        with pytest.raises(CrosswalkNotInvertibleError):
            crosswalk_between(curriculum, source)


def test_one_to_one_crosswalk_with_a_many_to_one_stage_map_is_refused():
    document = json.loads((CROSSWALKS / "mlcf-2010__lf-2011.json").read_text())
    document["stages"][3]["target"] = 3
    walk = load_crosswalk_text(json.dumps(document), "cw.json")
    with pytest.raises(CrosswalkNotInvertibleError, match="stage map is not one-to-one"):
        walk.inverse()


def test_lf_result_gives_evidence_for_foundation_outcomes_conservatively():
    walk = crosswalk_between("lf-2011", "ukfp-2021")
    ukfp = bundled("ukfp-2021")
    team = "valuable-member-of-the-healthcare-workforce/sharing-the-vision"
    # working within teams 2 -> f1 (1); contribution 3 -> f2 (2); relationships 1 -> 0
    # (1*1 + 0.5*2 + 0.5*0) / 2 = 1 -> f1
    result = translate(
        {
            "working-with-others/working-within-teams": 2,
            "working-with-others/encouraging-contribution": 3,
            "working-with-others/building-and-maintaining-relationships": 1,
        },
        walk,
    )
    assert result == {team: 1}
    assert ukfp.stage(result[team]).key == "f1"
    assert translate({"working-with-others/working-within-teams": 1}, walk) == {team: 0}


def test_hlm_levels_read_as_gpc_levels():
    walk = crosswalk_between("hlm-2013", "gmc-gpc-2017")
    gpc = bundled("gmc-gpc-2017")
    qi = "patient-safety-and-quality-improvement/quality-improvement"
    strong = bundled("hlm-2013").stage("strong").number
    result = translate({hlm("evaluating-information"): strong}, walk)
    assert gpc.stage(result[qi]).key == "completion"


def test_unknown_element_in_a_crosswalk_file_is_reported():
    document = json.loads((CROSSWALKS / "mlcf-2010__lf-2011.json").read_text())
    document["mappings"][3]["target"] = "working-with-others/networking"
    with pytest.raises(FrameworkFileError) as info:
        load_crosswalk_text(json.dumps(document), "cw.json")
    assert str(info.value) == (
        "cw.json: mappings[3].target: lf-2011 has no element 'working-with-others/networking'."
    )


def test_unknown_level_in_a_crosswalk_stage_map_is_reported():
    document = json.loads((CROSSWALKS / "lf-2011__hlm-2013.json").read_text())
    document["stages"][1]["target"] = "good"
    with pytest.raises(FrameworkFileError, match=r"stages\[1\]\.target: 'good' is not a level"):
        load_crosswalk_text(json.dumps(document), "cw.json")


def test_missing_crosswalk_raises_key_error():
    with pytest.raises(KeyError):
        crosswalk_between("hlm-2013", "mlcf-2010")
