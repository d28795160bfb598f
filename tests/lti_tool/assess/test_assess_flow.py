"""A self-assessment end to end through real launches: start, save, suspend, resume, complete."""

import json
import re

from sqlalchemy import delete, select

from framework.loader import to_document
from lti_tool.assess.framework_versions import current_version, import_framework
from lti_tool.assess.models import Attempt, FrameworkVersion
from tests.support.assess_helpers import (
    DOMAINS,
    LF,
    attempt_id_of,
    complete,
    domain_of,
    fill_domain,
    launch_learner,
    learner_id,
    start,
    statements_of,
    verbs,
)
from xapi.profile import build_profile, check_against_template, follows_pattern, template_for


def _often_to_stage_2(stage: int) -> int:
    return 3 if stage <= 2 else 1


def _import_new_version(db, unique: str) -> int:
    document = to_document(LF)
    document["version"] = f"2011.9-{unique}"
    first = document["domains"][0]["elements"][0]["indicators"][0]
    first["text"] = "Asks for feedback often and writes down what to change next time."
    with db.transaction() as session:
        row, created = import_framework(session, json.dumps(document), "edited-lf.json")
        assert created
        assert current_version(session, "lf-2011").id == row.id
        return row.id


def _forget_version(db, version_id: int) -> None:
    with db.transaction() as session:
        session.execute(delete(FrameworkVersion).where(FrameworkVersion.id == version_id))


def test_self_assessment_saved_resumed_in_a_second_launch_completed_and_reported(
    client, db, platform, unique, xapi_validator
):
    custom = {"assessment": "self", "framework": "lf-2011", "career_phase": "foundation"}
    token = launch_learner(client, platform, "e2e", custom)
    home = client.get(f"/home?ls={token}").get_data(as_text=True)
    assert "Not started yet." in home and re.search(r">\s*Start\s*</button>", home)

    started = start(client, token)
    assert started.status_code == 303
    attempt_id = attempt_id_of(started.location)
    assert domain_of(started.location) == DOMAINS[0]
    page = client.get(started.location).get_data(as_text=True)
    assert "Domain 1 of 5" in page
    assert "<legend" in page and "Not sure" in page and "Save and finish later" in page

    later = fill_domain(client, token, attempt_id, DOMAINS[0], _often_to_stage_2, action="later")
    assert later.status_code == 303 and "/home" in later.location
    assert "Your answers are saved" in client.get(later.location).get_data(as_text=True)

    second = launch_learner(client, platform, "e2e", custom)
    assert second != token
    home = client.get(f"/home?ls={second}").get_data(as_text=True)
    assert re.search(r">\s*Continue\s*</button>", home)
    resumed = start(client, second)
    assert attempt_id_of(resumed.location) == attempt_id
    assert domain_of(resumed.location) == DOMAINS[1]
    assert "Domain 2 of 5" in client.get(resumed.location).get_data(as_text=True)

    for domain_id in DOMAINS[1:]:
        saved = fill_domain(client, second, attempt_id, domain_id, _often_to_stage_2)
        assert saved.status_code == 303
    assert saved.location.split("?")[0].endswith(f"/assess/{attempt_id}/finish")
    done = complete(client, second, attempt_id)
    assert done.status_code == 303 and "/results" in done.location

    results = client.get(done.location).get_data(as_text=True)
    assert '<svg class="lp-chart profile-chart" id="profile" role="img"' in results
    assert "<title id=" in results
    assert "Domain profile as a table" in results and "Stage per element" in results
    # F1 expects 2, 2, 1, 2, 1 in the five core domains; every element is at stage 2: all 20 meet
    assert (
        "100%: 20 of 20 elements meet or exceed the stage expected at this career phase." in results
    )
    assert "Compared with the career phase" in results
    print_view = client.get(f"/assess/{attempt_id}/print?ls={second}")
    assert print_view.status_code == 200 and "<svg" in print_view.get_data(as_text=True)

    learner = learner_id(db, platform, "e2e")
    statements = statements_of(db, learner)
    expected = (
        ["launched", "initialized"]
        + ["answered"] * 4
        + ["suspended", "launched", "resumed"]
        + ["answered"] * 16
        + ["completed"]
        + ["assessed", "asserted"] * 20
    )
    assert verbs(statements) == expected
    completed = statements[verbs(statements).index("completed")]
    assert completed["result"]["score"] == {"raw": 20.0, "min": 0.0, "max": 20.0, "scaled": 1.0}
    assert completed["result"]["success"] is True
    assert xapi_validator(statements) == [[]] * len(statements)
    profile = build_profile("http://localhost")
    for statement in statements:
        template = template_for(statement, profile)
        assert template is not None, statement["verb"]
        assert check_against_template(statement, template) == []
    attempt_statements = [s for s in statements if s["context"].get("registration") == attempt_id]
    assert follows_pattern(attempt_statements, profile)

    with db.sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        version_before, result_before = attempt.framework_version_id, attempt.result
    new_version = _import_new_version(db, unique)
    try:
        with db.sessions() as session:
            attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
            assert attempt.framework_version_id == version_before != new_version
            assert attempt.result == result_before and attempt.score == 1.0
        assert client.get(done.location).get_data(as_text=True) == results
    finally:
        _forget_version(db, new_version)


def test_every_save_says_it_saved(client, platform):
    from tests.support.feedback_helpers import self_rate, start_360

    token = launch_learner(
        client, platform, "says-saved", {"domains": "working-with-others,setting-direction"}
    )
    attempt_id = attempt_id_of(start(client, token).location)
    saved = fill_domain(client, token, attempt_id, "working-with-others", 3)
    page = client.get(saved.location).get_data(as_text=True)
    assert "Your answers for Working with Others are saved." in page
    finished = fill_domain(client, token, attempt_id, "setting-direction", 3)
    page = client.get(finished.location).get_data(as_text=True)
    assert "Your answers for Setting Direction are saved." in page

    feedback = start_360(client, platform, "says-saved-360")
    rated = self_rate(client, feedback, [1, 2, 3, 4])
    hub = client.get(rated.location).get_data(as_text=True)
    assert "Your ratings for Working with Others are saved." in hub
