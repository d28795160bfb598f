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
from framework.errors import FrameworkFileError, schema
from framework.loader import bundled

CROSSWALKS = Path(__file__).resolve().parents[2] / "framework" / "data" / "crosswalks"


def hlm(dimension):
    return f"{dimension}/{dimension}"


@pytest.mark.parametrize("name", BUNDLED_CROSSWALKS)
def test_bundled_crosswalk_validates_against_schema_and_frameworks(name):
    document = json.loads((CROSSWALKS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator(schema("crosswalk")).validate(document)
    assert load_bundled_crosswalks()[name].id == name


def test_every_lf_element_maps_to_hlm_and_every_dimension_is_fed():
    walk = load_bundled_crosswalks()["lf-2011__hlm-2013"]
    lf, hlm_fw = bundled("lf-2011"), bundled("hlm-2013")
    assert {k.source for k in walk.links} == {e.path for e in lf.elements()}
    assert {k.target for k in walk.links} == {e.path for e in hlm_fw.elements()}


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
    # (0.5*4 + 1*3 + 1*2 + 0.5*1) / (0.5 + 1 + 1 + 0.5) = 7.5 / 3 = 2.5 -> 2 (proficient)
    assert result[hlm("engaging-the-team")] == 2
    assert bundled("hlm-2013").stage(result[hlm("engaging-the-team")]).key == "proficient"
    # connecting-our-service: networks, contexts for change, influencing wider system, all 1
    assert result[hlm("connecting-our-service")] == 1
    assert len(result) == 9


def test_translation_uses_only_sources_that_have_a_result():
    walk = crosswalk_between("lf-2011", "hlm-2013")
    result = translate({"managing-services/managing-performance": 3}, walk)
    assert result == {hlm("holding-to-account"): 3}


def test_weighted_mean_is_exact_at_whole_numbers():
    walk = crosswalk_between("lf-2011", "hlm-2013")
    # sharing-the-vision: 0.5*t + 1*v + 1*c + 0.5*f + 0.5*d with all 3 -> exactly 3, not 2.999…
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


def test_inverse_of_lf_to_hlm_reads_levels_back_as_lf_stages():
    back = crosswalk_between("hlm-2013", "lf-2011")
    assert back.map_stage(bundled("hlm-2013").stage("strong").number) == 3
    result = translate({hlm("holding-to-account"): 4}, back)
    assert result["managing-services/managing-performance"] == 4


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
