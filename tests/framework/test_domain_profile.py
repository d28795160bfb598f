from fractions import Fraction

import pytest

from framework.loader import bundled
from framework.profile import domain_profile, median, stage_text
from framework.scoring import score_assessment


@pytest.mark.parametrize(
    ("values", "expected"),
    [([2], 2), ([1, 3], 2), ([1, 2], Fraction(3, 2)), ([0, 2, 2, 3], 2), ([4, 1, 3], 3)],
)
def test_median_of_ordinal_stages(values, expected):
    assert median(values) == expected


def test_median_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        median([])


@pytest.mark.parametrize(
    ("value", "text"),
    [(2, "stage 2"), (1.5, "between stage 1 and 2"), (0, "stage 0"), (None, "not assessed")],
)
def test_stage_text_reads_a_median_as_words(value, text):
    assert stage_text(value) == text


def test_level_label_can_be_given():
    assert stage_text(Fraction(5, 2), "level") == "between level 2 and 3"


def test_domain_profile_counts_elements_marked_not_applicable():
    lf = bundled("lf-2011")
    planning = lf.element("managing-services/planning")
    answers = {i.id: "not-applicable" for i in planning.indicators}
    scores = score_assessment(lf, answers, {"managing-services/managing-people": 2})
    ms = domain_profile(lf, scores)["managing-services"]
    assert (ms.assessed, ms.not_applicable, ms.median, ms.minimum, ms.maximum) == (1, 1, 2.0, 2, 2)
