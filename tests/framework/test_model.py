import pytest

from framework.loader import bundled


@pytest.fixture(scope="module")
def lf():
    return bundled("lf-2011")


def test_element_is_found_by_domain_and_element_path(lf):
    element = lf.element("working-with-others/developing-networks")
    assert element.title == "Developing networks"
    assert element.path == "working-with-others/developing-networks"
    assert element.domain_id == "working-with-others"


def test_unknown_element_raises_key_error_naming_it(lf):
    with pytest.raises(KeyError, match="no element 'working-with-others/nope'"):
        lf.element("working-with-others/nope")


def test_domain_lookup_returns_its_four_elements(lf):
    domain = lf.domain("managing-services")
    assert [e.id for e in domain.elements] == [
        "planning",
        "managing-resources",
        "managing-people",
        "managing-performance",
    ]


def test_indicators_for_an_element_and_stage(lf):
    found = lf.indicators_for("improving-services/ensuring-patient-safety", 3)
    assert [i.id for i in found] == ["ensuring-patient-safety-3a", "ensuring-patient-safety-3b"]
    assert all(i.stage == 3 for i in found)
    assert lf.indicators_for("improving-services/ensuring-patient-safety", "3") == found


def test_stage_lookup_by_number_and_by_key(lf):
    assert lf.stage(4).title.startswith("Stage 4")
    assert lf.stage("4") is lf.stage(4)
    assert lf.max_stage == 4
    assert lf.stage_numbers == (1, 2, 3, 4)
    with pytest.raises(KeyError):
        lf.stage(5)


def test_levels_are_looked_up_by_slug_or_ordinal():
    hlm = bundled("hlm-2013")
    assert hlm.stage("strong").number == 3
    assert hlm.stage(3).key == "strong"
    assert hlm.stage(3).is_level
    with pytest.raises(KeyError, match="no level 'great'"):
        hlm.stage("great")


def test_scale_labels_and_bounds(lf):
    assert lf.scale.label(3) == "Often"
    assert (lf.scale.minimum, lf.scale.maximum, lf.scale.demonstrated_from) == (0, 4, 3)


def test_model_objects_are_frozen_and_hashable(lf):
    with pytest.raises(AttributeError):
        lf.title = "x"
    assert len({lf, bundled("hlm-2013")}) == 2
    assert hash(lf.element("managing-services/planning"))
