import json

import pytest

from framework.errors import FrameworkFileError
from framework.grades import graded_elements, in_scope_domains
from framework.loader import BUNDLED, bundled
from framework.phases import PHASES_FILE, expected_profile, expected_stage, load_phases

CORE = [
    "demonstrating-personal-qualities",
    "working-with-others",
    "managing-services",
    "improving-services",
    "setting-direction",
]
SENIOR = ["creating-the-vision", "delivering-the-strategy"]


def test_phases_cover_every_profession_in_career_order():
    phases = load_phases()
    assert [p.id for p in phases.for_profession("medicine")] == [
        "medical-student",
        "f1",
        "f2",
        "core-training",
        "higher-specialty-training",
        "consultant-gp-sas",
        "clinical-lead",
        "senior-leader",
        "cpd",
    ]
    for profession in ("nursing-midwifery", "allied-health"):
        assert [p.id for p in phases.for_profession(profession)] == [
            "pre-registration-student",
            "preceptorship",
            "registered-practitioner",
            "senior-practitioner",
            "consultant-practitioner-or-manager",
            "clinical-lead",
            "senior-leader",
            "cpd",
        ]
    assert phases.professions == {
        "medicine": "Medicine",
        "nursing-midwifery": "Nursing and midwifery",
        "allied-health": "Allied health professions",
    }


@pytest.mark.parametrize("phase_id", ["f1", "f2", "preceptorship", "cpd"])
def test_phase_ids_people_will_type_exist(phase_id):
    assert load_phases()[phase_id].id == phase_id


@pytest.mark.parametrize(
    ("alias", "phase_id"),
    [
        ("undergraduate", "medical-student"),
        ("foundation", "f1"),
        ("specialty-training", "core-training"),
        ("qualified-practice", "cpd"),
        ("senior-leader", "senior-leader"),
    ],
)
def test_former_phase_ids_keep_working(alias, phase_id):
    phases = load_phases()
    assert alias in phases
    assert phases[alias].id == phase_id
    assert phases.canonical(alias) == phase_id
    assert expected_profile(alias) == expected_profile(phase_id)


def test_aliases_are_not_listed_as_phases():
    phases = load_phases()
    assert "foundation" not in list(phases)
    assert len(phases) == len(list(phases)) == 14


def test_foundation_alias_keeps_its_former_expectations():
    assert expected_profile("foundation") == {
        "demonstrating-personal-qualities": 2,
        "working-with-others": 2,
        "managing-services": 1,
        "improving-services": 2,
        "setting-direction": 1,
        "creating-the-vision": None,
        "delivering-the-strategy": None,
    }


def test_every_phase_sets_an_expectation_for_every_lf_domain():
    domains = {d.id for d in bundled("lf-2011").domains}
    for phase in load_phases().values():
        assert set(phase.expected) == domains, phase.id
        assert all(v is None or 1 <= v <= 4 for v in phase.expected.values())


def test_expectations_never_fall_as_a_profession_advances():
    phases = load_phases()
    for profession in phases.professions:
        steps = [p for p in phases.for_profession(profession) if not p.general]
        for earlier, later in zip(steps, steps[1:], strict=False):
            for domain, stage in earlier.expected.items():
                if stage is not None:
                    assert later.expected[domain] >= stage, (profession, later.id, domain)


def test_senior_domains_are_expected_only_of_people_leading_services_or_organisations():
    expecting = [p.id for p in load_phases().values() if p.expected["creating-the-vision"]]
    assert expecting == ["consultant-practitioner-or-manager", "clinical-lead", "senior-leader"]
    for phase in load_phases().values():
        assert (phase.expected["creating-the-vision"] is None) == (
            phase.expected["delivering-the-strategy"] is None
        )


@pytest.mark.parametrize("phase_id", list(load_phases()))
def test_no_senior_domain_element_is_in_scope_where_the_phase_does_not_expect_it(phase_id):
    lf = bundled("lf-2011")
    expected = expected_profile(phase_id)
    domains = in_scope_domains(lf, phase_id)
    graded = {e.domain_id for e in graded_elements(lf, phase=phase_id)}
    for domain_id in SENIOR:
        assert (domain_id in domains) == (expected[domain_id] is not None)
        assert (domain_id in graded) == (expected[domain_id] is not None)
    assert set(CORE) <= set(domains)


def test_without_a_phase_only_core_domains_are_in_scope():
    lf = bundled("lf-2011")
    assert in_scope_domains(lf) == tuple(CORE)
    hlm = bundled("hlm-2013")
    assert in_scope_domains(hlm, "f1") == tuple(d.id for d in hlm.domains)


def test_students_expect_stage_one_in_core_domains_and_nothing_beyond():
    for phase in ("medical-student", "pre-registration-student", "undergraduate"):
        for domain in CORE:
            assert expected_stage(phase, domain) == 1
        for domain in SENIOR:
            assert expected_stage(phase, domain) is None


def test_gpc_expects_higher_trainees_to_lead_quality_improvement():
    assert expected_stage("higher-specialty-training", "improving-services") == 3
    assert expected_stage("core-training", "improving-services") == 2


def test_senior_leader_expects_stage_four_everywhere():
    assert set(expected_profile("senior-leader").values()) == {4}


def test_curriculum_expectations_come_from_expected_in():
    ukfp, gpc, ofg = bundled("ukfp-2021"), bundled("gmc-gpc-2017"), bundled("gmc-ofg-2018")
    team = "valuable-member-of-the-healthcare-workforce"
    assert expected_profile("f1", framework=ukfp) == {team: 1}
    assert expected_profile("f2", framework=ukfp) == {team: 2}
    assert expected_profile("medical-student", framework=ukfp) == {team: None}
    assert (
        ofg.stage(
            expected_stage("medical-student", "professional-values-and-behaviours", framework=ofg)
        ).key
        == "developing"
    )
    assert (
        ofg.stage(expected_stage("f1", "professional-values-and-behaviours", framework=ofg)).key
        == "graduate"
    )
    assert (
        gpc.stage(
            expected_stage("consultant-gp-sas", "leadership-and-team-working", framework=gpc)
        ).key
        == "completion"
    )
    assert expected_profile("preceptorship", framework=gpc) == {
        "leadership-and-team-working": None,
        "patient-safety-and-quality-improvement": None,
    }


def test_mlcf_uses_the_lf_expectations_of_its_domains_and_hlm_has_none():
    mlcf, hlm = bundled("mlcf-2010"), bundled("hlm-2013")
    assert expected_profile("f2", framework=mlcf) == dict.fromkeys(CORE, 2)
    assert set(expected_profile("senior-leader", framework=hlm).values()) == {None}


@pytest.mark.parametrize("name", BUNDLED)
def test_every_expectation_resolves_to_a_stage_of_its_framework(name):
    framework = bundled(name)
    for phase in load_phases():
        for stage in expected_profile(phase, framework=framework).values():
            assert stage is None or stage in framework.stage_numbers


def test_mlcf_phases_are_mapped():
    by_mlcf = {}
    for phase in load_phases().values():
        by_mlcf.setdefault(phase.mlcf_phase, []).append(phase.id)
    assert by_mlcf["undergraduate"] == ["medical-student"]
    assert by_mlcf["postgraduate"] == ["f1", "f2", "core-training", "higher-specialty-training"]
    assert by_mlcf["continuing-practice"] == ["consultant-gp-sas"]


def test_institution_override_wins_over_the_default():
    overrides = {"f1": {"managing-services": 2, "improving-services": None}}
    assert expected_stage("f1", "managing-services", overrides) == 2
    assert expected_stage("f1", "improving-services", overrides) is None
    assert expected_stage("f1", "working-with-others", overrides) == 2
    profile = expected_profile("f1", overrides)
    assert profile["managing-services"] == 2
    assert profile["improving-services"] is None


def test_override_under_a_former_id_applies_to_the_phase_it_names():
    overrides = {"foundation": {"managing-services": 2, "setting-direction": 2}}
    assert expected_stage("f1", "managing-services", overrides) == 2
    assert expected_stage("foundation", "managing-services", overrides) == 2
    # the phase's own id wins over an alias
    overrides["f1"] = {"managing-services": 3}
    assert expected_stage("f1", "managing-services", overrides) == 3
    assert expected_stage("f1", "setting-direction", overrides) == 2
    assert expected_stage("f2", "managing-services", overrides) == 2  # default, untouched


def test_overrides_for_another_framework_leave_this_one_alone():
    overrides = {"f1": {"valuable-member-of-the-healthcare-workforce": 2, "planning": 3}}
    assert expected_profile("f1", overrides, framework=bundled("ukfp-2021")) == {
        "valuable-member-of-the-healthcare-workforce": 2
    }


def test_overrides_can_define_an_institution_phase():
    overrides = {"return-to-practice": {"working-with-others": 2}}
    assert expected_stage("return-to-practice", "working-with-others", overrides) == 2
    assert expected_profile("return-to-practice", overrides) == {"working-with-others": 2}


def test_unknown_phase_or_domain_raises_key_error():
    with pytest.raises(KeyError, match="unknown career phase 'intern'"):
        expected_stage("intern", "working-with-others")
    with pytest.raises(KeyError):
        expected_stage("f1", "inspiring-shared-purpose")


def test_bad_override_value_is_rejected():
    with pytest.raises(ValueError):
        expected_stage("f1", "planning", {"f1": {"planning": "two"}})


def test_phase_file_errors_name_the_path(tmp_path):
    document = json.loads(PHASES_FILE.read_text())
    document["phases"][2]["expected"]["managing-services"] = "3"
    path = tmp_path / "phases.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FrameworkFileError) as info:
        load_phases(path)
    assert info.value.path == "phases[2].expected.managing-services"


def test_alias_to_an_unknown_phase_or_clashing_with_a_phase_is_refused(tmp_path):
    document = json.loads(PHASES_FILE.read_text())
    document["aliases"].append({"id": "f3", "phase": "f9"})
    path = tmp_path / "phases.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FrameworkFileError, match=r"aliases\[4\]\.phase: 'f9' is not a phase"):
        load_phases(path)
    document["aliases"][-1] = {"id": "f2", "phase": "f1"}
    path.write_text(json.dumps(document))
    with pytest.raises(FrameworkFileError, match="already a phase id or an alias"):
        load_phases(path)


def test_unknown_profession_is_refused(tmp_path):
    document = json.loads(PHASES_FILE.read_text())
    document["phases"][0]["professions"] = ["dentistry"]
    path = tmp_path / "phases.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FrameworkFileError, match="unknown profession 'dentistry'"):
        load_phases(path)
