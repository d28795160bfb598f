import pytest

from framework.loader import bundled
from framework.multirater import (
    BLIND_SPOT,
    HIDDEN_STRENGTH,
    RaterResponse,
    aggregate_360,
    aggregate_importance,
    biggest_gaps,
    gap_label,
    notable_gaps,
)

E = "working-with-others/developing-networks"
F = "managing-services/planning"


def r(rater, group, **values):
    return RaterResponse(rater, group, {E: values.get("e"), F: values.get("f")})


def test_two_peers_give_no_peer_mean():
    summary = aggregate_360([r("p1", "peer", e=3), r("p2", "peer", e=4)])[E]
    peer = summary.group("peer")
    assert (peer.raters, peer.mean, peer.shown) == (2, None, False)
    assert summary.others_mean is None


def test_three_peers_show_the_peer_mean():
    summary = aggregate_360([r("p1", "peer", e=3), r("p2", "peer", e=4), r("p3", "peer", e=4)])[E]
    assert summary.group("peer").mean == 3.67  # 11/3
    assert summary.others_mean == 3.67


def test_line_manager_alone_is_shown():
    summary = aggregate_360([r("m", "line-manager", e=2)])[E]
    assert summary.group("line-manager").shown
    assert summary.group("line-manager").mean == 2.0
    assert summary.others_mean == 2.0


def test_others_mean_is_hidden_when_a_small_hidden_group_could_be_recovered():
    # manager 2 (shown) + two peers (hidden): others would reveal the peers' sum
    summary = aggregate_360(
        [r("m", "line-manager", e=2), r("p1", "peer", e=3), r("p2", "peer", e=4)]
    )[E]
    assert summary.others_raters == 3
    assert summary.others_mean is None


def test_others_mean_is_shown_when_hidden_raters_are_numerous_enough():
    # two peers + one direct report are hidden, but three hidden raters together are anonymous
    responses = [r("p1", "peer", e=1), r("p2", "peer", e=2), r("d1", "direct-report", e=4)]
    summary = aggregate_360(responses)[E]
    assert summary.group("peer").mean is None
    assert summary.group("direct-report").mean is None
    assert summary.others_mean == 2.33  # 7/3


def test_self_versus_others_gap():
    responses = [
        r("me", "self", e=3, f=1),
        r("m", "line-manager", e=2, f=3),
        r("p1", "peer", e=2, f=3),
        r("p2", "peer", e=3, f=3),
        r("p3", "peer", e=4, f=2),
    ]
    summary = aggregate_360(responses)
    # others on E: (2+2+3+4)/4 = 2.75; gap 3 - 2.75 = 0.25
    assert (summary[E].self_value, summary[E].others_mean, summary[E].gap) == (3, 2.75, 0.25)
    # others on F: (3+3+3+2)/4 = 2.75; gap 1 - 2.75 = -1.75
    assert summary[F].gap == -1.75
    assert [s.element for s in biggest_gaps(summary, n=1)] == [F]
    assert [s.element for s in biggest_gaps(summary)] == [F, E]


def test_raters_without_a_view_on_an_element_are_not_counted():
    responses = [r("p1", "peer", e=3, f=3), r("p2", "peer", e=3, f=3), r("p3", "peer", e=3)]
    summary = aggregate_360(responses)
    assert summary[E].group("peer").shown
    assert not summary[F].group("peer").shown


def test_threshold_and_exemption_are_configurable():
    responses = [r("m", "line-manager", e=2), r("p1", "peer", e=3), r("p2", "peer", e=4)]
    summary = aggregate_360(responses, min_raters=2)[E]
    assert summary.group("peer").mean == 3.5
    assert summary.others_mean == 3.0
    strict = aggregate_360([r("m", "line-manager", e=2)], exempt_groups=())[E]
    assert not strict.group("line-manager").shown
    assert strict.others_mean is None


def test_invalid_responses_are_rejected():
    with pytest.raises(ValueError, match="unknown rater group"):
        aggregate_360([r("x", "friend", e=1)])
    with pytest.raises(ValueError, match="more than once"):
        aggregate_360([r("x", "peer", e=1), r("x", "peer", e=2)])
    with pytest.raises(ValueError, match="more than one self"):
        aggregate_360([r("a", "self", e=1), r("b", "self", e=2)])


def test_element_order_can_be_given():
    summary = aggregate_360([r("p1", "peer", e=1, f=1)], elements=[F, E])
    assert list(summary) == [F, E]


# --- medians, ranges and gap labels ------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "label"),
    [
        (0, None),
        (0.67, None),
        (-0.67, None),
        (0.99, None),
        (1, BLIND_SPOT),
        (-1, HIDDEN_STRENGTH),
        (2.5, BLIND_SPOT),
    ],
)
def test_gap_is_labelled_only_from_one_whole_stage(gap, label):
    assert gap_label(gap) == label


def test_gap_threshold_is_a_setting_but_never_zero():
    assert gap_label(0.5, threshold=0.5) == BLIND_SPOT
    assert gap_label(0.67, threshold=2) is None
    with pytest.raises(ValueError, match="above zero"):
        gap_label(0, threshold=0)
    with pytest.raises(ValueError, match="above zero"):
        aggregate_360([r("p1", "peer", e=1)], gap_threshold=0)


def test_a_zero_gap_is_not_called_anything():
    responses = [
        r("me", "self", e=3),
        r("p1", "peer", e=3),
        r("p2", "peer", e=3),
        r("p3", "peer", e=3),
    ]
    summary = aggregate_360(responses)
    assert (summary[E].gap_stages, summary[E].label) == (0, None)
    assert notable_gaps(summary) == []
    assert biggest_gaps(summary) == []


def test_others_are_summarised_by_median_and_range_and_the_gap_uses_the_median():
    # self 3; others 3, 3, 1: the mean would give 2.33 and a gap of 0.67; the median gives 3, gap 0
    responses = [
        r("me", "self", e=3),
        r("p1", "peer", e=3),
        r("p2", "peer", e=3),
        r("p3", "peer", e=1),
    ]
    summary = aggregate_360(responses)[E]
    assert (summary.others_median, summary.others_low, summary.others_high) == (3.0, 1.0, 3.0)
    assert (summary.others_mean, summary.gap) == (2.33, 0.67)
    assert (summary.gap_stages, summary.label) == (0.0, None)
    peer = summary.group("peer")
    assert (peer.median, peer.low, peer.high) == (3.0, 1.0, 3.0)


def test_a_whole_stage_above_others_is_a_possible_blind_spot_and_below_a_hidden_strength():
    responses = [
        r("me", "self", e=3, f=1),
        r("p1", "peer", e=2, f=2),
        r("p2", "peer", e=2, f=2),
        r("p3", "peer", e=3, f=3),
    ]
    summary = aggregate_360(responses)
    # E: others 2, 2, 3 -> median 2; gap 3 - 2 = 1 (the mean gap would be 0.67)
    assert (summary[E].gap_stages, summary[E].label) == (1.0, BLIND_SPOT)
    # F: others 2, 2, 3 -> median 2; gap 1 - 2 = -1
    assert (summary[F].gap_stages, summary[F].label) == (-1.0, HIDDEN_STRENGTH)
    assert [s.element for s in notable_gaps(summary)] == [E, F]


def test_median_of_an_even_number_of_raters_lies_between_two_stages():
    responses = [r("me", "self", e=4)] + [
        r(f"p{i}", "peer", e=v) for i, v in enumerate([1, 2, 3, 3])
    ]
    summary = aggregate_360(responses)[E]
    assert (summary.others_median, summary.gap_stages, summary.label) == (2.5, 1.5, BLIND_SPOT)


def test_hidden_others_give_no_median_and_no_label():
    responses = [r("me", "self", e=4), r("p1", "peer", e=1), r("p2", "peer", e=1)]
    summary = aggregate_360(responses)[E]
    assert (summary.others_median, summary.others_low, summary.gap_stages, summary.label) == (
        None,
        None,
        None,
        None,
    )


# --- importance of each dimension to the role (HLM) --------------------------------------


def imp(rater, group, **values):
    return RaterResponse(rater, group, {k.replace("_", "-"): v for k, v in values.items()})


def test_importance_is_summarised_per_dimension_with_the_same_anonymity_rules():
    hlm = bundled("hlm-2013")
    responses = [
        imp("me", "self", holding_to_account=2, leading_with_care=4),
        imp("m", "line-manager", holding_to_account=4),
        imp("p1", "peer", holding_to_account=3, leading_with_care=4),
        imp("p2", "peer", holding_to_account=4, leading_with_care=3),
        imp("p3", "peer", holding_to_account=3),
    ]
    summary = aggregate_importance(hlm, responses)
    assert list(summary) == [d.id for d in hlm.domains if d.is_rated]
    account = summary["holding-to-account"]
    # others 4, 3, 4, 3 -> median 3.5, range 3..4; all four shown (manager exempt, 3 peers)
    assert (account.self_value, account.others_raters) == (2, 4)
    assert (account.others_median, account.others_low, account.others_high) == (3.5, 3, 4)
    care = summary["leading-with-care"]
    # two peers only: hidden, and pooling them alone would reveal them
    assert (care.self_value, care.others_raters, care.others_median) == (4, 2, None)
    assert summary["sharing-the-vision"].others_raters == 0


def test_importance_off_the_scale_or_for_an_unrated_domain_is_refused():
    hlm = bundled("hlm-2013")
    with pytest.raises(ValueError, match="importance 5 from 'p1' is not on the scale"):
        aggregate_importance(hlm, [imp("p1", "peer", holding_to_account=5)])
    with pytest.raises(ValueError, match="'personal-qualities' is not a rated domain"):
        aggregate_importance(hlm, [imp("p1", "peer", personal_qualities=2)])
    with pytest.raises(ValueError, match="does not ask how important"):
        aggregate_importance(bundled("lf-2011"), [])
