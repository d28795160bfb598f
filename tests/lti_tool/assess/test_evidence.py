"""evidence_for reads a result forward through bundled crosswalks only, labelled indicative."""

import pytest

from framework import CrosswalkNotInvertibleError, crosswalk_between, load_bundled
from lti_tool.assess.evidence import evidence_for

BUNDLED = load_bundled()


def _result(framework, stage):
    return {"elements": {e.path: {"attained": stage} for e in framework.elements()}}


def test_an_hlm_result_is_read_under_the_curricula_and_never_back_into_the_lf():
    hlm = BUNDLED["hlm-2013"]
    read = evidence_for(hlm, _result(hlm, 2))
    assert [item["framework"].id for item in read] == ["gmc-gpc-2017", "gmc-ofg-2018", "ukfp-2021"]
    assert all(item["indicative"] for item in read)
    with pytest.raises(CrosswalkNotInvertibleError):
        crosswalk_between("hlm-2013", "lf-2011")  # what a backwards reading would need


@pytest.mark.parametrize("framework_id", ["ukfp-2021", "gmc-gpc-2017", "gmc-ofg-2018"])
def test_a_curriculum_result_is_not_read_backwards_into_the_frameworks(framework_id):
    curriculum = BUNDLED[framework_id]
    assert evidence_for(curriculum, _result(curriculum, 1)) == []


def test_nothing_is_read_from_a_result_without_an_assessed_element():
    lf = BUNDLED["lf-2011"]
    assert evidence_for(lf, _result(lf, None)) == []
