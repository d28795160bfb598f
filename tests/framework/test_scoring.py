from fractions import Fraction

import pytest

from framework.loader import bundled
from framework.profile import (
    compare_with_expected,
    compare_with_phase,
    domain_profile,
    overall_score,
)
from framework.scoring import round_half_up, score_assessment, score_element

DN = "working-with-others/developing-networks"


@pytest.fixture(scope="module")
def lf():
    return bundled("lf-2011")


def dn(**values):
    """Ratings for developing-networks, e.g. dn(s1a=4) -> {"developing-networks-1a": 4}."""
    return {f"developing-networks-{k[1:]}": v for k, v in values.items()}


def test_all_zero_ratings_give_stage_zero(lf):
    ratings = dn(s1a=0, s1b=0, s2a=0, s2b=0, s3a=0, s3b=0, s4a=0, s4b=0)
    score = score_element(lf, DN, ratings)
    assert (score.attained, score.indicator_stage, score.basis) == (0, 0, "indicators")
    assert [s.mean for s in score.stages] == [0.0, 0.0, 0.0, 0.0]
    assert not any(s.demonstrated for s in score.stages)
    assert score.mean_rating == 0.0


def test_always_on_every_indicator_gives_the_top_stage(lf):
    score = score_element(lf, DN, dn(s1a=4, s1b=4, s2a=4, s2b=4, s3a=4, s3b=4, s4a=4, s4b=4))
    assert score.attained == 4
    assert score.gaps == ()


def test_mean_of_exactly_often_demonstrates_the_stage(lf):
    # stage 1: (4+2)/2 = 3.0 >= 3; stage 2: (3+3)/2 = 3.0; stage 3: (3+2)/2 = 2.5 < 3
    score = score_element(lf, DN, dn(s1a=4, s1b=2, s2a=3, s2b=3, s3a=3, s3b=2, s4a=1, s4b=1))
    assert [s.mean for s in score.stages] == [3.0, 3.0, 2.5, 1.0]
    assert [s.demonstrated for s in score.stages] == [True, True, False, False]
    assert score.attained == 2
    # all eight: (4+2+3+3+3+2+1+1)/8 = 19/8 = 2.375 -> 2.38
    assert score.mean_rating == 2.38


def test_a_gap_in_stages_stops_at_the_first_undemonstrated_stage(lf):
    # stage 1: 3.5 yes; stage 2: 2.5 no; stage 3: 4.0 yes -> attained 1, stage 3 is a gap
    score = score_element(lf, DN, dn(s1a=4, s1b=3, s2a=3, s2b=2, s3a=4, s3b=4))
    assert score.attained == 1
    assert score.gaps == (3,)


def test_partial_ratings_use_the_rated_indicators_only(lf):
    # stage 1: only 1a rated (3) -> mean 3 demonstrated; stage 2 unrated -> not demonstrated
    score = score_element(lf, DN, dn(s1a=3, s1b=None))
    assert score.stages[0].rated == 1 and score.stages[0].indicators == 2
    assert score.stages[0].demonstrated
    assert score.stages[1].mean is None and not score.stages[1].demonstrated
    assert score.attained == 1


def test_stage_with_too_few_rated_indicators_is_not_demonstrated(lf):
    score = score_element(lf, DN, dn(s1a=4), min_coverage=1.0)
    assert not score.stages[0].demonstrated
    assert score.attained == 0


def test_picked_stage_only_is_the_score(lf):
    score = score_element(lf, DN, {}, picked_stage=2)
    assert (score.attained, score.basis, score.indicator_stage, score.picked_stage) == (
        2,
        "picked",
        None,
        2,
    )


def test_indicators_win_over_the_picked_stage_and_both_are_reported(lf):
    score = score_element(lf, DN, dn(s1a=3, s1b=4, s2a=1, s2b=2), picked_stage=3)
    assert (score.attained, score.basis) == (1, "indicators")
    assert (score.indicator_stage, score.picked_stage) == (1, 3)
    assert score.picked_minus_indicated == 2


def test_nothing_rated_or_picked_means_not_assessed(lf):
    score = score_element(lf, DN, dn(s1a=None))
    assert score.attained is None and score.basis is None


def test_invalid_input_is_rejected(lf):
    with pytest.raises(ValueError, match="not on the scale"):
        score_element(lf, DN, dn(s1a=5))
    with pytest.raises(ValueError, match="does not belong"):
        score_element(lf, DN, {"planning-1a": 3})
    with pytest.raises(ValueError, match="outside 0..4"):
        score_element(lf, DN, {}, picked_stage=5)


def test_levels_score_on_ordinals():
    hlm = bundled("hlm-2013")
    ratings = {
        "engaging-the-team-essential-a": 4,
        "engaging-the-team-essential-b": 3,
        "engaging-the-team-proficient-a": 3,
        "engaging-the-team-proficient-b": 3,
        "engaging-the-team-strong-a": 1,
    }
    score = score_element(hlm, "engaging-the-team/engaging-the-team", ratings)
    assert hlm.stage(score.attained).key == "proficient"


def test_score_assessment_groups_ratings_by_element_in_framework_order(lf):
    ratings = dn(s1a=4, s1b=4) | {"planning-1a": 1, "planning-1b": 2}
    scores = score_assessment(lf, ratings, picked={"setting-direction/making-decisions": 2})
    assert list(scores) == [DN, "managing-services/planning", "setting-direction/making-decisions"]
    assert [s.attained for s in scores.values()] == [1, 0, 2]
    scoped = score_assessment(lf, {}, elements=[DN])
    assert scoped[DN].attained is None


# A hand-computed profile, scored from picked stages.
PICKS = {
    "working-with-others/developing-networks": 3,
    "working-with-others/building-and-maintaining-relationships": 2,
    "working-with-others/encouraging-contribution": 2,
    "working-with-others/working-within-teams": 0,
    "managing-services/planning": 1,
    "managing-services/managing-resources": 1,
    "managing-services/managing-people": 2,
}


def test_domain_profile_gives_mean_to_two_decimals_and_minimum(lf):
    profile = domain_profile(lf, score_assessment(lf, {}, PICKS))
    assert set(profile) == {"working-with-others", "managing-services"}
    wwo, ms = profile["working-with-others"], profile["managing-services"]
    assert (wwo.mean, wwo.minimum, wwo.assessed, wwo.elements) == (1.75, 0, 4, 4)
    assert (ms.mean, ms.minimum, ms.assessed) == (1.33, 1, 3)  # 4/3
    assert (wwo.median, wwo.minimum, wwo.maximum) == (2.0, 0, 3)  # 0 2 2 3
    assert (ms.median, ms.minimum, ms.maximum) == (1.0, 1, 2)  # 1 1 2


def test_overall_score_is_mean_attained_over_max_stage(lf):
    # (3+2+2+0+1+1+2) / 7 = 11/7; / 4 = 11/28 = 0.392857… -> 0.3929
    assert overall_score(lf, score_assessment(lf, {}, PICKS)) == 0.3929
    assert overall_score(lf, {}) is None
    all_top = score_assessment(lf, {}, {e.path: 4 for e in lf.elements()})
    assert overall_score(lf, all_top) == 1.0


def test_comparison_with_f1_phase_uses_the_weakest_element_for_status_and_gap(lf):
    picks = PICKS | {
        "setting-direction/making-decisions": 2,
        "setting-direction/evaluating-impact": 3,
        "creating-the-vision/embodying-the-vision": 2,
    }
    elements, domains = compare_with_phase(lf, score_assessment(lf, {}, picks), "f1")
    # f1 expects working-with-others 2, managing-services 1, setting-direction 1
    assert elements["working-with-others/developing-networks"].status == "above"
    assert elements["working-with-others/developing-networks"].gap == 1
    assert elements["working-with-others/encouraging-contribution"].status == "meets"
    assert elements["working-with-others/working-within-teams"].status == "below"
    assert elements["working-with-others/working-within-teams"].gap == -2
    wwo = domains["working-with-others"]  # stages 3, 2, 2, 0
    assert (wwo.status, wwo.gap, wwo.actual, wwo.meeting, wwo.assessed) == ("below", -2, 0, 3, 4)
    ms = domains["managing-services"]  # stages 1, 1, 2
    assert (ms.status, ms.gap, ms.meeting, ms.assessed) == ("meets", 0, 3, 3)
    sd = domains["setting-direction"]  # stages 2, 3
    assert (sd.status, sd.gap) == ("above", 1)
    vision = elements["creating-the-vision/embodying-the-vision"]
    assert (vision.expected, vision.status, vision.gap) == (None, None, None)
    assert domains["creating-the-vision"].status is None
    # status and gap never disagree: below <=> gap < 0, above <=> gap > 0
    for cmp in domains.values():
        if cmp.status is not None:
            assert (cmp.status == "below") == (cmp.gap < 0)
            assert (cmp.status == "above") == (cmp.gap > 0)


def test_comparison_uses_institution_overrides(lf):
    scores = score_assessment(lf, {}, PICKS)
    overrides = {"foundation": {"managing-services": 2}}
    _, domains = compare_with_phase(lf, scores, "foundation", overrides)
    assert domains["managing-services"].status == "below"
    _, domains = compare_with_expected(lf, scores, {"managing-services": 1})
    assert domains["managing-services"].status == "meets"
    assert domains["working-with-others"].status is None


def test_round_half_up_rounds_halves_away_from_zero():
    assert round_half_up(Fraction(1, 8)) == 0.13
    assert round_half_up(Fraction(2675, 1000)) == 2.68
    assert round_half_up(Fraction(-1, 8)) == -0.13


# --- "Not applicable to my role" -------------------------------------------------------


def test_not_applicable_is_taken_out_of_the_stage_not_counted_as_unrated(lf):
    # stage 1: 1a not applicable, 1b Often -> 1 of 1 applicable indicator rated, mean 3
    score = score_element(lf, DN, dn(s1a="not-applicable", s1b=3, s2a=3, s2b=3))
    first = score.stages[0]
    assert (first.indicators, first.not_applicable, first.applicable, first.rated) == (2, 1, 1, 1)
    assert first.demonstrated and score.attained == 2


def test_a_stage_wholly_not_applicable_is_skipped_like_a_stage_without_indicators(lf):
    ratings = dn(s1a=4, s1b=4, s2a="not-applicable", s2b="not-applicable", s3a=3, s3b=4)
    score = score_element(lf, DN, ratings)
    assert score.stages[1].applicable == 0 and not score.stages[1].demonstrated
    assert score.attained == 3  # stage 2 is implied by stage 3, never credited on its own
    only_na_below = score_element(lf, DN, dn(s1a="not-applicable", s1b="not-applicable", s2a=1))
    assert only_na_below.attained == 0


def test_not_sure_counts_towards_coverage_but_not_applicable_does_not():
    from framework.loader import framework_from_document, to_document
    from framework.model import Scale, ScalePoint

    lf = bundled("lf-2011")
    doc = to_document(lf)
    element = doc["domains"][1]["elements"][0]
    # three indicators at stage 1: coverage needs ceil(3 * 0.5) = 2 rated
    element["indicators"].insert(
        2, {"id": "developing-networks-1c", "stage": 1, "text": "Joins a network."}
    )
    fw = framework_from_document(doc, "three.json")
    assert isinstance(fw.scale, Scale) and isinstance(fw.scale.points[0], ScalePoint)
    not_sure = {
        "developing-networks-1a": 4,
        "developing-networks-1b": None,
        "developing-networks-1c": "not-sure",
    }
    not_applicable = {
        "developing-networks-1a": 4,
        "developing-networks-1b": "not-applicable",
        "developing-networks-1c": "not-applicable",
    }
    assert score_element(fw, DN, not_sure).attained == 0  # 1 of 3 rated: too little evidence
    assert score_element(fw, DN, not_applicable).attained == 1  # 1 of 1 applicable rated


def test_element_answered_not_applicable_throughout_is_not_applicable_not_zero(lf):
    every = {i.id: "not-applicable" for i in lf.element(DN).indicators}
    score = score_element(lf, DN, every)
    assert (score.attained, score.not_applicable, score.basis) == (None, True, None)
    partly = score_element(lf, DN, dict(list(every.items())[:3]))
    assert (partly.attained, partly.not_applicable) == (None, False)


def test_unknown_answer_word_is_refused(lf):
    with pytest.raises(ValueError, match="'n/a' .* is not on the scale"):
        score_element(lf, DN, dn(s1a="n/a"))
