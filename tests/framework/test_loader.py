import copy
import json

import pytest
import yaml

from framework.errors import FrameworkFileError
from framework.loader import (
    framework_from_document,
    load_bundled,
    load_framework,
    load_framework_text,
    to_document,
)


@pytest.fixture
def doc():
    return to_document(load_bundled()["lf-2011"])


def error_for(doc, name="inst.json"):
    with pytest.raises(FrameworkFileError) as info:
        framework_from_document(doc, name)
    return info.value


def test_indicator_stage_outside_the_framework_names_file_path_and_problem(doc):
    doc["domains"][1]["elements"][2]["indicators"][0]["stage"] = 7
    err = error_for(doc)
    assert str(err) == (
        "inst.json: domains[1].elements[2].indicators[0].stage: "
        "7 is not a stage of this framework (1, 2, 3, 4)."
    )
    assert (err.source, err.path) == ("inst.json", "domains[1].elements[2].indicators[0].stage")


def test_level_name_in_a_stage_rated_framework_is_rejected(doc):
    doc["domains"][0]["elements"][0]["indicators"][0]["stage"] = "proficient"
    assert "'proficient' is not a stage of this framework" in str(error_for(doc))


def test_duplicate_domain_id_is_reported_with_both_places(doc):
    doc["domains"][3]["id"] = doc["domains"][0]["id"]
    assert str(error_for(doc)) == (
        "inst.json: domains[3].id: duplicate domain id "
        "'demonstrating-personal-qualities' (also used at domains[0].id)."
    )


def test_duplicate_element_id_within_a_domain_is_rejected(doc):
    doc["domains"][2]["elements"][1]["id"] = "planning"
    assert "domains[2].elements[1].id: duplicate element id 'planning'" in str(error_for(doc))


def test_duplicate_indicator_id_anywhere_in_the_framework_is_rejected(doc):
    doc["domains"][6]["elements"][3]["indicators"][7]["id"] = "developing-self-awareness-1a"
    err = error_for(doc)
    assert err.path == "domains[6].elements[3].indicators[7].id"
    assert "duplicate indicator id 'developing-self-awareness-1a'" in err.problem


def test_missing_field_is_named(doc):
    del doc["domains"][4]["elements"][0]["title"]
    assert (
        str(error_for(doc)) == "inst.json: domains[4].elements[0]: missing required field 'title'."
    )


def test_missing_top_level_field_is_reported_at_document_level(doc):
    del doc["licence_note"]
    assert str(error_for(doc)) == "inst.json: (document): missing required field 'licence_note'."


def test_unknown_key_is_named(doc):
    doc["domains"][0]["colour"] = "blue"
    err = error_for(doc)
    assert err.path == "domains[0]"
    assert err.problem.startswith("unknown key 'colour'")


def test_id_that_is_not_a_slug_is_rejected(doc):
    doc["domains"][0]["elements"][0]["id"] = "Self Awareness"
    err = error_for(doc)
    assert err.path == "domains[0].elements[0].id"
    assert "not a valid id" in err.problem


def test_empty_domain_is_rejected(doc):
    doc["domains"][5]["elements"] = []
    assert str(error_for(doc)) == "inst.json: domains[5].elements: must not be empty."


def test_stage_numbers_must_run_from_one_in_order(doc):
    doc["rating"]["stages"][2]["number"] = 5
    err = error_for(doc)
    assert err.path == "rating.stages[2].number"
    assert "expected 3, found 5" in err.problem


def test_rating_needs_exactly_one_of_stages_or_levels(doc):
    doc["rating"]["levels"] = [{"id": "a", "title": "A", "description": ""}]
    assert error_for(doc).problem == "must contain exactly one of 'stages' or 'levels'"


def test_scale_threshold_must_be_a_scale_value(doc):
    doc["scale"]["demonstrated_from"] = 9
    assert error_for(doc).path == "scale.demonstrated_from"


def test_malformed_json_reports_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "lf-2011",\n  "version": "1"\n  "title": "x"\n}\n')
    with pytest.raises(FrameworkFileError) as info:
        load_framework(path)
    assert info.value.line == 4
    assert str(info.value).startswith("broken.json: (document): malformed JSON at line 4, column 3")


def test_malformed_yaml_reports_the_line():
    with pytest.raises(FrameworkFileError) as info:
        load_framework_text("id: lf\ndomains: [\n  - a\n", "inst.yaml")
    assert info.value.source == "inst.yaml"
    assert "malformed YAML at line" in str(info.value)


def test_missing_file_is_a_framework_file_error(tmp_path):
    with pytest.raises(FrameworkFileError, match="nope.json: \\(document\\): cannot be read"):
        load_framework(tmp_path / "nope.json")


def test_yaml_file_loads_to_the_same_framework_and_hash(tmp_path, doc):
    path = tmp_path / "lf.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    loaded = load_framework(path)
    assert loaded == load_bundled()["lf-2011"]
    assert loaded.content_hash == load_bundled()["lf-2011"].content_hash


def test_text_without_a_suffix_is_sniffed_as_json_or_yaml(doc):
    as_json = load_framework_text(json.dumps(doc), "upload")
    assert as_json.id == "lf-2011"
    assert load_framework_text(yaml.safe_dump(doc), "upload").content_hash == as_json.content_hash


def test_to_document_round_trips_every_bundled_framework():
    for framework in load_bundled().values():
        again = framework_from_document(copy.deepcopy(to_document(framework)), "copy.json")
        assert again == framework
        assert again.content_hash == framework.content_hash


def test_level_rated_framework_maps_levels_to_ordinal_stages():
    hlm = load_bundled()["hlm-2013"]
    assert [s.key for s in hlm.stages] == ["essential", "proficient", "strong", "exemplary"]
    assert [s.number for s in hlm.stages] == [1, 2, 3, 4]
    indicator = hlm.indicator("engaging-the-team-strong-a")
    assert indicator.stage == 3


def test_unquoted_yaml_version_is_reported_as_not_text(doc):
    text = yaml.safe_dump(doc, sort_keys=False).replace("version: '2011.2'", "version: 2011.2")
    with pytest.raises(FrameworkFileError) as info:
        load_framework_text(text, "inst.yml")
    assert str(info.value) == "inst.yml: version: 2011.2 should be of type text."


def test_to_document_gives_back_each_bundled_file_exactly():
    from framework.loader import DATA_DIR

    for name, framework in load_bundled().items():
        assert to_document(framework) == json.loads((DATA_DIR / f"{name}.json").read_text()), name


def test_indicator_claiming_the_framework_at_a_leadpath_stage_is_refused():
    doc = to_document(load_bundled()["mlcf-2010"])
    del doc["domains"][0]["elements"][0]["indicators"][2]["origin"]
    err = error_for(doc, "mlcf.json")
    assert err.path == "domains[0].elements[0].indicators[2].origin"
    assert "stage 2 is leadpath's, so its indicators are too" in err.problem


def test_reflection_domain_must_not_hold_indicators_and_needs_prompts():
    doc = to_document(load_bundled()["hlm-2013"])
    reflection = doc["domains"][-1]
    assert reflection["scope"] == "reflection"
    del reflection["elements"][1]["prompt"]
    assert "needs a 'prompt'" in str(error_for(doc))
    reflection["elements"][1]["prompt"] = "Why?"
    reflection["elements"][1]["indicators"] = [
        {"id": "self-confidence-1", "stage": "essential", "text": "Speaks up."}
    ]
    assert "a reflection domain is not rated" in str(error_for(doc))


def test_unknown_domain_scope_and_indicator_origin_are_named(doc):
    doc["domains"][0]["scope"] = "everyone"
    assert "'everyone' is not one of 'core', 'senior', 'reflection'" in str(error_for(doc))
    doc["domains"][0]["scope"] = "core"
    doc["domains"][0]["elements"][0]["indicators"][0]["origin"] = "academy"
    assert "'academy' is not one of 'framework', 'leadpath'" in str(error_for(doc))


def test_a_framework_cannot_be_superseded_by_itself(doc):
    doc["status"]["superseded_by"] = "lf-2011"
    assert "cannot be superseded by itself" in str(error_for(doc))


def test_institution_file_without_the_new_optional_fields_still_loads(doc):
    for key in ("attribution", "independence", "sources", "status"):
        del doc[key]
    del doc["rating"]["note"]
    for domain in doc["domains"]:
        domain.pop("scope", None)
        domain.pop("note", None)
        for element in domain["elements"]:
            for indicator in element["indicators"]:
                indicator.pop("origin", None)
    framework = framework_from_document(doc, "old.json")
    assert not framework.is_superseded
    assert {d.scope for d in framework.domains} == {"core"}
    assert {i.origin for i in framework.indicators()} == {"framework"}
