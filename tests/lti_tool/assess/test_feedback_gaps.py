"""360 gap labels: a blind spot or hidden strength only at a difference of at least one stage."""

import re

from tests.support.feedback_helpers import (
    CONTRIBUTION,
    NETWORKS,
    RELATIONSHIPS,
    TEAMS,
    invite,
    rate,
    report_cells,
    self_rate,
    start_360,
)

# Six peers. Networks: all 2 (gap 0). Relationships: 1, 3, 3, 3, 2, 2 — mean 2.33 (gap 0.67),
# median 2.5. Contribution: all 2 (self 3: gap 1). Teams: all 2 (self 1: gap -1).
PEERS = [[2, 1, 2, 2], [2, 3, 2, 2], [2, 3, 2, 2], [2, 3, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]]


def _labels(page: str) -> dict:
    return dict(re.findall(r'<li data-element="([^"]+)" data-label="([^"]+)">', page))


def test_gaps_are_named_at_one_stage_never_at_zero_or_0_67(client, platform):
    token = start_360(client, platform, "gap-labels")
    assert self_rate(client, token, [2, 3, 3, 1]).status_code == 303
    for stages in PEERS:
        assert rate(client, invite(client, token, "peer"), stages).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "gap")] == "+0.00"
    assert cells[(RELATIONSHIPS, "gap")] == "+0.67"
    assert cells[(CONTRIBUTION, "gap")] == "+1.00"
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert _labels(page) == {CONTRIBUTION: "blind-spot", TEAMS: "hidden-strength"}
    assert "possible blind spot" in page and "possible hidden strength" in page


def test_the_gap_threshold_is_a_setting(make_app, db, unique):
    from tests.support.lti_helpers import make_platform

    app = make_app(feedback_gap_threshold="0.5")
    client = app.test_client()
    platform = make_platform(unique).register(db)
    token = start_360(client, platform, "gap-setting")
    assert self_rate(client, token, [2, 3, 3, 1]).status_code == 303
    for stages in PEERS:
        assert rate(client, invite(client, token, "peer"), stages).status_code == 200
    labels = _labels(client.get(f"/feedback/report?ls={token}").get_data(as_text=True))
    assert labels == {
        RELATIONSHIPS: "blind-spot",  # median gap 0.5 reaches a threshold of 0.5
        CONTRIBUTION: "blind-spot",
        TEAMS: "hidden-strength",
    }
    assert NETWORKS not in labels  # zero is never a gap, whatever the threshold
