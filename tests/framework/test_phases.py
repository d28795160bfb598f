import json

import pytest

from framework.errors import FrameworkFileError
from framework.loader import bundled
from framework.phases import PHASES_FILE, expected_profile, expected_stage, load_phases

CORE = [
    "demonstrating-personal-qualities",
    "working-with-others",
    "managing-services",
    "improving-services",
    "setting-direction",
]


def test_bundled_phases_are_in_career_order():
    assert list(load_phases()) == [
        "undergraduate",
        "foundation",
        "specialty-training",
        "qualified-practice",
        "senior-leader",
    ]


def test_every_phase_sets_an_expectation_for_every_lf_domain():
    domains = {d.id for d in bundled("lf-2011").domains}
    for phase in load_phases().values():
        assert set(phase.expected) == domains, phase.id
        assert all(v is None or 1 <= v <= 4 for v in phase.expected.values())


def test_expectations_never_fall_as_the_career_advances():
    phases = list(load_phases().values())
    for earlier, later in zip(phases, phases[1:], strict=False):
        for domain, stage in earlier.expected.items():
            if stage is not None:
                assert later.expected[domain] >= stage, (later.id, domain)


def test_undergraduate_expects_stage_one_in_core_domains_and_nothing_beyond():
    for domain in CORE:
        assert expected_stage("undergraduate", domain) == 1
    assert expected_stage("undergraduate", "creating-the-vision") is None
    assert expected_stage("undergraduate", "delivering-the-strategy") is None


def test_senior_leader_expects_stage_four_everywhere():
    assert set(expected_profile("senior-leader").values()) == {4}


def test_institution_override_wins_over_the_default():
    overrides = {"foundation": {"managing-services": 2, "improving-services": None}}
    assert expected_stage("foundation", "managing-services", overrides) == 2
    assert expected_stage("foundation", "improving-services", overrides) is None
    assert expected_stage("foundation", "working-with-others", overrides) == 2
    profile = expected_profile("foundation", overrides)
    assert profile["managing-services"] == 2
    assert profile["improving-services"] is None


def test_overrides_can_define_an_institution_phase():
    overrides = {"return-to-practice": {"working-with-others": 2}}
    assert expected_stage("return-to-practice", "working-with-others", overrides) == 2
    assert expected_profile("return-to-practice", overrides) == {"working-with-others": 2}


def test_unknown_phase_or_domain_raises_key_error():
    with pytest.raises(KeyError, match="unknown career phase 'intern'"):
        expected_stage("intern", "working-with-others")
    with pytest.raises(KeyError):
        expected_stage("foundation", "inspiring-shared-purpose")


def test_bad_override_value_is_rejected():
    with pytest.raises(ValueError):
        expected_stage("foundation", "planning", {"foundation": {"planning": "two"}})


def test_phase_file_errors_name_the_path(tmp_path):
    document = json.loads(PHASES_FILE.read_text())
    document["phases"][2]["expected"]["managing-services"] = "3"
    path = tmp_path / "phases.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FrameworkFileError) as info:
        load_phases(path)
    assert info.value.path == "phases[2].expected.managing-services"
