import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from framework.files import schema
from framework.loader import BUNDLED, bundled
from framework.model import LEADPATH, REFLECTION, SENIOR

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


CURRICULA = ["ukfp-2021", "gmc-gpc-2017", "gmc-ofg-2018"]
SENIOR_DOMAINS = ["creating-the-vision", "delivering-the-strategy"]
# Answers on a "how often" scale need observable behaviour, not knowledge or absolutes.
NOT_RATEABLE = ("every time", "always ", "never ", "knows ", "understands ", "gives an example")


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


def test_lf_senior_domains_are_for_senior_roles_and_their_indicators_are_leadpaths():
    lf = bundled("lf-2011")
    assert [d.id for d in lf.domains if d.scope == SENIOR] == SENIOR_DOMAINS
    for domain_id in SENIOR_DOMAINS:
        domain = lf.domain(domain_id)
        assert "leadpath's" in domain.note
        assert {i.origin for e in domain.elements for i in e.indicators} == {LEADPATH}
    core = [i for d in lf.domains if d.scope != SENIOR for e in d.elements for i in e.indicators]
    assert {i.origin for i in core} == {"framework"}
    assert {s.origin for s in lf.stages} == {"framework"}


def test_lf_is_marked_superseded_by_the_healthcare_leadership_model():
    lf = bundled("lf-2011")
    assert lf.is_superseded and lf.superseded_by == "hlm-2013"
    assert "superseded by the Healthcare Leadership Model (2013)" in lf.status_note
    assert not bundled("hlm-2013").is_superseded


@pytest.mark.parametrize("name", BUNDLED)
def test_every_rated_element_has_at_least_two_indicators_at_every_stage(name):
    framework = bundled(name)
    for domain in framework.domains:
        for element in domain.elements:
            counts = Counter(i.stage for i in element.indicators)
            if not domain.is_rated:
                assert not counts and element.prompt, element.path
                continue
            assert all(counts[s] >= 2 for s in framework.stage_numbers), element.path


@pytest.mark.parametrize("name", ["mlcf-2010", "clcf-2011"])
def test_mlcf_and_clcf_stages_are_leadpaths_lf_derived_stages(name):
    framework = bundled(name)
    lf = bundled("lf-2011")
    assert [d.id for d in framework.domains] == CORE
    for element in framework.elements():
        assert element.title == lf.element(element.path).title
    assert {s.origin for s in framework.stages} == {LEADPATH}
    assert {i.origin for i in framework.indicators()} == {LEADPATH}
    assert "leadpath's, derived from the Leadership Framework" in framework.rating_note


def test_mlcf_copyright_is_the_academy_and_the_nhs_institute():
    mlcf = bundled("mlcf-2010")
    for text in (mlcf.attribution, mlcf.licence_note, mlcf.publisher):
        assert "Academy of Medical Royal Colleges" in text
        assert "NHS Institute for Innovation and Improvement" in text
    assert "NHS Leadership Academy" not in mlcf.licence_note
    assert "undergraduate, postgraduate and continuing practice" in mlcf.rating_note


def test_hlm_has_nine_dimensions_rated_at_four_levels_and_its_personal_qualities():
    hlm = bundled("hlm-2013")
    rated = [d for d in hlm.domains if d.is_rated]
    assert [d.id for d in rated] == HLM_DIMENSIONS
    assert [s.key for s in hlm.stages] == ["essential", "proficient", "strong", "exemplary"]
    for domain in rated:
        assert [e.id for e in domain.elements] == [domain.id]
    qualities = hlm.domain("personal-qualities")
    assert qualities.scope == REFLECTION
    assert [e.id for e in qualities.elements] == [
        "self-awareness",
        "self-confidence",
        "self-control",
        "self-knowledge",
        "personal-reflection",
        "resilience-and-determination",
    ]
    assert all(e.prompt.endswith("?") for e in qualities.elements)


def test_hlm_levels_and_indicators_describe_depth_not_job_scope():
    hlm = bundled("hlm-2013")
    scope_words = ("organisation", "system", "across a team", "across the team", "whole service")
    for stage in hlm.stages:
        assert not any(w in stage.description.lower() for w in scope_words), stage.key
    for indicator in hlm.indicators():
        if indicator.stage >= 3:
            text = indicator.text.lower()
            assert not any(w in text for w in scope_words), indicator.id


def test_hlm_asks_how_important_each_dimension_is():
    hlm = bundled("hlm-2013")
    assert hlm.importance is not None
    assert hlm.importance.values == (1, 2, 3, 4)
    assert hlm.importance.label(4) == "Critical to the role"
    assert bundled("lf-2011").importance is None


@pytest.mark.parametrize("name", CURRICULA)
def test_curricula_are_marked_as_curricula_with_sources(name):
    framework = bundled(name)
    assert framework.kind == "curriculum"
    assert framework.sources and all(s.year >= 2017 for s in framework.sources)


def test_foundation_curriculum_has_separate_f1_and_f2_levels():
    ukfp = bundled("ukfp-2021")
    assert [s.key for s in ukfp.stages] == ["f1", "f2"]
    assert {s.origin for s in ukfp.stages} == {"framework"}
    domain = ukfp.domain("valuable-member-of-the-healthcare-workforce")
    assert [e.id for e in domain.elements] == [
        "sharing-the-vision",
        "fitness-to-practise",
        "upholding-values",
        "quality-improvement",
    ]


def test_gpc_covers_domains_five_and_six_with_leadpaths_levels():
    gpc = bundled("gmc-gpc-2017")
    assert [d.title.split(":")[0] for d in gpc.domains] == ["Domain 5", "Domain 6"]
    assert {s.origin for s in gpc.stages} == {LEADPATH}
    assert [e.id for e in gpc.domain("patient-safety-and-quality-improvement").elements] == [
        "patient-safety",
        "quality-improvement",
    ]


def test_outcomes_for_graduates_graduate_level_is_the_gmcs_and_developing_is_leadpaths():
    ofg = bundled("gmc-ofg-2018")
    assert {s.key: s.origin for s in ofg.stages} == {
        "developing": LEADPATH,
        "graduate": "framework",
    }
    assert [e.id for e in ofg.elements()] == [
        "leadership-and-team-working",
        "patient-safety-and-quality-improvement",
    ]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_framework_carries_attribution_licence_and_independence(name):
    framework = bundled(name)
    assert framework.attribution and framework.licence_note and framework.sources
    assert "leadpath's own wording" in framework.licence_note
    assert "not produced, reviewed or endorsed" in framework.independence


@pytest.mark.parametrize("name", BUNDLED)
def test_indicator_texts_are_unique_rateable_sentences(name):
    texts = [i.text for i in bundled(name).indicators()]
    assert len(texts) == len(set(texts)), name
    for text in texts:
        assert text.endswith(".") and text[0].isupper(), text
        assert not any(word in text.lower() for word in NOT_RATEABLE), text


@pytest.mark.parametrize("name", BUNDLED)
def test_descriptions_are_unique_sentences(name):
    framework = bundled(name)
    texts = [d.description for d in framework.domains]
    texts += [e.description for e in framework.elements()]
    texts = [t for t in texts if not t.endswith("rated as a whole.")]
    assert len(texts) == len(set(texts))
    assert all(t.endswith(".") for t in texts)


def test_descriptions_flagged_as_close_to_official_text_are_rewritten():
    lf = bundled("lf-2011")
    assert (
        "opportunity and confidence"
        not in lf.element("working-with-others/encouraging-contribution").description
    )
    assert lf.element("working-with-others/building-and-maintaining-relationships").description != (
        "Listening, supporting others, earning trust and showing understanding."
    )
    hlm = bundled("hlm-2013")
    for phrase in ("compelling and credible", "positive effect on others", "balanced feedback"):
        assert not any(phrase in d.description for d in hlm.domains), phrase


def test_weak_indicators_are_rewritten_and_equality_is_covered():
    lf = bundled("lf-2011")
    assert "instructions" not in lf.indicator("managing-people-1a").text
    assert "every time" not in lf.indicator("ensuring-patient-safety-1a").text
    assert (
        lf.indicator("making-decisions-2b").text != lf.indicator("encouraging-contribution-2a").text
    )
    for element in ("managing-services/managing-people", "managing-services/managing-resources"):
        fair = [
            i
            for i in lf.element(element).indicators
            if any(w in i.text for w in ("fair", "background", "fare worse"))
        ]
        assert len(fair) >= 2, element
