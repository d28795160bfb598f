"""The temporal differencing attack on the 360 report, replayed: it must recover nothing.

The learner reads the report, one more rater answers, the learner reads it again and
subtracts. Figures and comments move only in steps of at least the threshold's raters, so the
second reading equals the first, also once the round closes.
"""

import re

from sqlalchemy import select, update

from lti_tool.assess.feedback_report import build_report
from lti_tool.assess.models import Attempt, FeedbackInvitation
from lti_tool.models import PlatformUser, utcnow
from tests.support.feedback_helpers import (
    NETWORKS,
    PATHS,
    TEAMS,
    invite,
    rate,
    report_cells,
    self_rate,
    start_360,
)


def _report(client, token) -> tuple[dict, str]:
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    comments = re.search(r'<ul class="fb-comments">(.*?)</ul>', page, re.S)
    return report_cells(client, token), comments.group(1) if comments else ""


def _attempt(session, platform, sub) -> Attempt:
    return session.scalar(
        select(Attempt)
        .join(PlatformUser, PlatformUser.id == Attempt.platform_user_id)
        .where(PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub)
    )


def _figures(cells: dict) -> dict:
    return {k: v for k, v in cells.items() if k[1] != "self"}


def test_a_report_read_before_and_after_one_more_answer_reveals_nothing(client, platform, db):
    token = start_360(client, platform, "diff-attacker")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    for stages in ([1, 1, 1, 1], [2, 2, 2, 2], [4, 4, 4, 4]):
        assert (
            rate(client, invite(client, token, "peer"), stages, comment=f"p{stages[0]}").status_code
            == 200
        )
    for stages in ([3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2]):
        assert rate(client, invite(client, token, "direct-report"), stages).status_code == 200
    before, comments_before = _report(client, token)
    assert before[(NETWORKS, "peer")] == "2.33"
    assert before[(NETWORKS, "others")] == "2.50"  # (1 + 2 + 4 + 3 + 3 + 2) / 6
    assert "p1" in comments_before

    # One more peer answers, with a comment: subtracting the two readings must give nothing.
    newest = invite(client, token, "peer")
    assert rate(client, newest, [0, 0, 0, 0], comment="The newest peer's note").status_code == 200
    after, comments_after = _report(client, token)
    assert _figures(after) == _figures(before)
    assert comments_after == comments_before
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert "The newest peer's note" not in page
    assert "1 answer is not in the figures yet" in page

    # The round closes (every link expired) with that one answer short of a step: still held.
    with db.transaction() as session:
        attempt_id = _attempt(session, platform, "diff-attacker").id
        session.execute(
            update(FeedbackInvitation)
            .where(FeedbackInvitation.attempt_id == attempt_id)
            .values(expires_at=utcnow())
        )
    closed, comments_closed = _report(client, token)
    assert _figures(closed) == _figures(before) and comments_closed == comments_before

    # Two new peers complete a step with the held answer: the change pools three raters.
    assert rate(client, invite(client, token, "peer"), [4, 4, 4, 4]).status_code == 200
    assert _figures(_report(client, token)[0]) == _figures(before)
    assert rate(client, invite(client, token, "peer"), [2, 2, 2, 2]).status_code == 200
    stepped, comments_stepped = _report(client, token)
    assert stepped[(NETWORKS, "peer")] == "2.17"  # (1 + 2 + 4 + 0 + 4 + 2) / 6
    assert stepped[(NETWORKS, "others")] == "2.33"  # (13 + 8) / 9
    assert "The newest peer" in comments_stepped


def test_an_element_one_rater_skipped_moves_only_in_whole_steps(client, platform):
    token = start_360(client, platform, "diff-skipped")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    for stages in ([1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, None]):
        assert rate(client, invite(client, token, "peer"), stages).status_code == 200
    first = report_cells(client, token)
    assert first[(NETWORKS, "peer")] == "2.00" and first[(TEAMS, "peer")] == "2.00"
    # Two more peers: networks completes a step of three new values, teams does not.
    for stages in ([0, 0, 0, 0], [3, 3, 3, 3]):
        assert rate(client, invite(client, token, "peer"), stages).status_code == 200
    second = report_cells(client, token)
    assert second[(NETWORKS, "peer")] == "2.17"  # (1 + 2 + 3 + 4 + 0 + 3) / 6
    assert second[(TEAMS, "peer")] == "2.00"  # the two new teams values still wait
    assert all(second[(p, "peer")] != "–" for p in PATHS)


def test_exports_read_the_same_released_figures(client, platform, db):
    token = start_360(client, platform, "diff-export")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    for stage in (1, 2, 3, 0):
        assert rate(client, invite(client, token, "peer"), [stage] * 4).status_code == 200
    with client.application.app_context(), db.sessions() as session:
        summary = build_report(session, _attempt(session, platform, "diff-export"))["summary"]
    assert summary[NETWORKS].group("peer").mean == 2.0  # the fourth peer's 0 is not in it
    assert summary[NETWORKS].group("peer").raters == 3
