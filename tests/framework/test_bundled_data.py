import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from framework.errors import schema
from framework.loader import BUNDLED, bundled

DATA = Path(__file__).resolve().parents[2] / "framework" / "data"

LF_DOMAINS = {
    "demonstrating-personal-qualities": [
        "developing-self-awareness",
        "managing-yourself",
        "continuing-personal-development",
        "acting-with-integrity",
    ],
    "working-with-others": [
        "developing-networks",
        "building-and-maintaining-relationships",
        "encouraging-contribution",
        "working-within-teams",
    ],
    "managing-services": [
        "planning",
        "managing-resources",
        "managing-people",
        "managing-performance",
    ],
    "improving-services": [
        "ensuring-patient-safety",
        "critically-evaluating",
        "encouraging-improvement-and-innovation",
        "facilitating-transformation",
    ],
    "setting-direction": [
        "identifying-the-contexts-for-change",
        "applying-knowledge-and-evidence",
        "making-decisions",
        "evaluating-impact",
    ],
    "creating-the-vision": [
        "developing-the-vision-of-the-organisation",
        "influencing-the-vision-of-the-wider-healthcare-system",
        "communicating-the-vision",
        "embodying-the-vision",
    ],
    "delivering-the-strategy": [
        "framing-the-strategy",
        "developing-the-strategy",
        "implementing-the-strategy",
        "embedding-the-strategy",
    ],
}
CORE = list(LF_DOMAINS)[:5]
HLM_DIMENSIONS = [
    "inspiring-shared-purpose",
    "leading-with-care",
    "evaluating-information",
    "connecting-our-service",
    "sharing-the-vision",
    "engaging-the-team",
    "holding-to-account",
    "developing-capability",
    "influencing-for-results",
]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_framework_file_validates_against_the_schema(name):
    document = json.loads((DATA / f"{name}.json").read_text())
    jsonschema.Draft202012Validator(schema("framework")).validate(document)
    assert bundled(name).id == name


@pytest.mark.parametrize("name", ["framework", "crosswalk", "career-phases"])
def test_schemas_are_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_lf_has_seven_domains_of_four_named_elements_and_four_stages():
    lf = bundled("lf-2011")
    assert {d.id: [e.id for e in d.elements] for d in lf.domains} == LF_DOMAINS
    assert lf.stage_numbers == (1, 2, 3, 4)
    assert lf.domain("working-with-others").title == "Working with Others"
    assert lf.element("setting-direction/identifying-the-contexts-for-change").title == (
        "Identifying the contexts for change"
    )


def test_lf_has_at_least_two_indicators_for_every_element_and_stage():
    lf = bundled("lf-2011")
    assert len(list(lf.indicators())) >= 224
    for element in lf.elements():
        counts = Counter(i.stage for i in element.indicators)
        assert all(counts[s] >= 2 for s in (1, 2, 3, 4)), element.path


@pytest.mark.parametrize("name", ["mlcf-2010", "clcf-2011"])
def test_mlcf_and_clcf_have_the_five_core_domains_with_an_indicator_per_stage(name):
    framework = bundled(name)
    lf = bundled("lf-2011")
    assert [d.id for d in framework.domains] == CORE
    for element in framework.elements():
        assert element.title == lf.element(element.path).title
        assert {i.stage for i in element.indicators} == {1, 2, 3, 4}, element.path


def test_hlm_has_nine_dimensions_rated_at_four_levels_with_two_indicators_each():
    hlm = bundled("hlm-2013")
    assert [d.id for d in hlm.domains] == HLM_DIMENSIONS
    assert [s.key for s in hlm.stages] == ["essential", "proficient", "strong", "exemplary"]
    for domain in hlm.domains:
        assert [e.id for e in domain.elements] == [domain.id]
        counts = Counter(i.stage for i in domain.elements[0].indicators)
        assert all(counts[n] >= 2 for n in (1, 2, 3, 4)), domain.id


def test_indicator_texts_are_unique_sentences_within_each_framework():
    for name in BUNDLED:
        texts = [i.text for i in bundled(name).indicators()]
        assert len(texts) == len(set(texts)), name
        assert all(t.endswith(".") and t[0].isupper() for t in texts)
