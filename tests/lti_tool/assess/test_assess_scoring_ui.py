"""Scoring through the pages on hand-computed cases; custom domains and career phase."""

import html
import re

from lti_tool.assess.models import Attempt
from tests.support.assess_helpers import (
    LF,
    attempt_id_of,
    complete,
    domain_of,
    fill_domain,
    launch_learner,
    learner_id,
    revision_on,
    start,
    statements_of,
    verbs,
)
from tests.support.lti_helpers import INSTRUCTOR, launch

TWO = "working-with-others,setting-direction"


def _often_to_stage_2(stage: int) -> int:
    return 3 if stage <= 2 else 1


def _result(db, attempt_id):
    with db.sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        return attempt.score, attempt.result


def test_often_up_to_stage_2_and_rarely_above_scores_stage_2_and_half_marks(client, db, platform):
    token = launch_learner(client, platform, "s2", {"domains": TWO})
    attempt_id = attempt_id_of(start(client, token).location)
    for domain_id in ("working-with-others", "setting-direction"):
        assert (
            fill_domain(client, token, attempt_id, domain_id, _often_to_stage_2).status_code == 303
        )
    assert complete(client, token, attempt_id).status_code == 303
    score, result = _result(db, attempt_id)
    assert score == 0.5 and result["overall"] == 0.5
    assert set(result["elements"]) == {
        e.path for d in TWO.split(",") for e in LF.domain(d).elements
    }
    for element in result["elements"].values():
        assert element["attained"] == 2 and element["indicator_stage"] == 2
        assert element["basis"] == "indicators" and element["gaps"] == []
    assert {d: v["mean"] for d, v in result["domains"].items()} == {
        "working-with-others": 2.0,
        "setting-direction": 2.0,
    }
    page = client.get(f"/assess/{attempt_id}/results?ls={token}").get_data(as_text=True)
    assert "50%: 16 of 32 stage steps attained (graded by stage: no career phase)." in page
    assert "mean stage" not in page and "2.00" not in page
    attained = re.findall(r"Stage attained </span>([^<]*)", page)
    assert attained == ["Stage 2: within a team"] * 8


def test_gap_picked_stage_and_career_phase_comparison(client, db, platform):
    custom = {"domains": "working-with-others", "career_phase": "foundation"}
    token = launch_learner(client, platform, "gap", custom)
    attempt_id = attempt_id_of(start(client, token).location)
    page = client.get(f"/assess/{attempt_id}/domains/working-with-others?ls={token}")
    text = page.get_data(as_text=True)
    assert "Domain 1 of 1" in text
    assert "the stage expected in this domain is <strong>stage 2</strong>" in text
    first, second, third, fourth = LF.domain("working-with-others").elements
    gap = {1: 3, 2: 1, 3: 4, 4: 0}
    fields = {"ls": token, "revision": revision_on(text), "action": "next"}
    for indicator in first.indicators:
        fields["rating:" + indicator.id] = str(gap[indicator.stage])
    for indicator in second.indicators:
        fields["rating:" + indicator.id] = "unsure"
    fields["stage:" + second.path] = "3"
    fields["reflection:" + second.path] = "I chair the ward huddle."
    for indicator in third.indicators:
        fields["rating:" + indicator.id] = "4"
    for indicator in fourth.indicators:
        fields["rating:" + indicator.id] = "0"
    saved = client.post(f"/assess/{attempt_id}/domains/working-with-others", data=fields)
    assert saved.status_code == 303
    assert complete(client, token, attempt_id).status_code == 303

    score, result = _result(db, attempt_id)
    elements = result["elements"]
    assert (elements[first.path]["attained"], elements[first.path]["gaps"]) == (1, [3])
    assert (elements[second.path]["attained"], elements[second.path]["basis"]) == (3, "picked")
    assert elements[third.path]["attained"] == 4 and elements[fourth.path]["attained"] == 0
    domain = result["domains"]["working-with-others"]
    assert (domain["mean"], domain["minimum"], domain["expected"]) == (2.0, 0, 2)
    assert domain["status"] == "below" and result["success"] is False
    assert score == 0.5

    results = html.unescape(
        client.get(f"/assess/{attempt_id}/results?ls={token}").get_data(as_text=True)
    )
    assert "Below expected" in results and "lowest stage 0, expected 2" in results
    assert "also shown at stage 3" in results
    picked = re.findall(r"Stage picked </span>([^<]*)", results)
    assert picked == ["none picked", "Stage 3: leading a team or service", "none picked"] + [
        "none picked"
    ]
    statements = statements_of(db, learner_id(db, platform, "gap"))
    completed = statements[verbs(statements).index("completed")]
    assert completed["result"]["success"] is False
    assert completed["result"]["score"]["raw"] == 2.0


def test_custom_domains_limit_the_pages_to_those_domains(client, platform):
    token = launch_learner(client, platform, "two", {"domains": TWO})
    started = start(client, token)
    attempt_id = attempt_id_of(started.location)
    assert domain_of(started.location) == "working-with-others"
    page = client.get(started.location).get_data(as_text=True)
    assert "Domain 1 of 2" in page
    other = client.get(f"/assess/{attempt_id}/domains/managing-services?ls={token}")
    assert other.status_code == 404
    saved = fill_domain(client, token, attempt_id, "working-with-others", 3)
    assert domain_of(saved.location) == "setting-direction"
    finish = client.get(f"/assess/{attempt_id}/finish?ls={token}").get_data(as_text=True)
    assert "Setting Direction" in finish and "Managing Services" not in finish


def test_instructor_sees_attempts_per_learner_with_status_and_score(client, db, platform):
    token = launch_learner(client, platform, "listed", {"domains": "working-with-others"})
    attempt_id = attempt_id_of(start(client, token).location)
    fill_domain(client, token, attempt_id, "working-with-others", 4)
    complete(client, token, attempt_id)
    launch_learner(client, platform, "pending")
    start(client, launch_learner(client, platform, "pending"))
    landed = launch(client, platform, sub="teacher", roles=[INSTRUCTOR])
    page = client.get(landed.location).get_data(as_text=True)
    assert "Learners" in page and "2 learners have</strong> launched" in page
    assert "100%" in page and "In progress" in page


def test_the_institution_overrides_the_stage_expected_at_a_career_phase(client, db, platform):
    from lti_tool.assess.models import InstitutionSetting

    with db.transaction() as session:
        session.add(
            InstitutionSetting(
                issuer=platform.issuer, phase_overrides={"foundation": {"setting-direction": 3}}
            )
        )
    custom = {"domains": "setting-direction", "career_phase": "foundation"}
    token = launch_learner(client, platform, "override", custom)
    attempt_id = attempt_id_of(start(client, token).location)
    page = client.get(f"/assess/{attempt_id}/domains/setting-direction?ls={token}")
    assert "expected in this domain is <strong>stage 3</strong>" in page.get_data(as_text=True)
    fill_domain(client, token, attempt_id, "setting-direction", _often_to_stage_2)
    assert complete(client, token, attempt_id).status_code == 303
    _score, result = _result(db, attempt_id)
    domain = result["domains"]["setting-direction"]
    assert (domain["expected"], domain["status"], result["success"]) == (3, "below", False)
