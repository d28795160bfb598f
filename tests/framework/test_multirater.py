import pytest

from framework.multirater import RaterResponse, aggregate_360, biggest_gaps

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
