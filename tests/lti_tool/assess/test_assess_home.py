"""The learner's home page lists their real attempts and links to what the activity delivers."""

import re

from tests.support.assess_helpers import (
    attempt_id_of,
    complete,
    fill_domain,
    launch_learner,
    learner_id,
    start,
    statements_of,
    verbs,
)

ONE = {"domains": "setting-direction"}


def _completed_attempt(client, token, value):
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, "setting-direction", value).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return attempt_id


def test_home_lists_attempts_with_view_results_and_offers_a_new_attempt(client, platform):
    token = launch_learner(client, platform, "history", ONE)
    first = _completed_attempt(client, token, lambda stage: 3 if stage <= 2 else 1)
    home = client.get(f"/home?ls={token}").get_data(as_text=True)
    assert re.search(r">\s*Start a new attempt\s*</button>", home)
    assert f"/assess/{first}/results?ls={token}" in home and "View results" in home
    second = _completed_attempt(client, token, 4)
    assert second != first
    results = client.get(f"/assess/{second}/results?ls={token}").get_data(as_text=True)
    assert "Your attempts over time" in results
    assert results.count('class="trend up"') == 2  # overall and Setting Direction went up
    assert f"/assess/{first}/results?ls={token}" in results


def test_home_links_360_and_validation_activities_to_their_pages(client, platform):
    token = launch_learner(client, platform, "kinds", {"assessment": "360"})
    home = client.get(f"/home?ls={token}").get_data(as_text=True)
    assert f'href="/feedback?ls={token}"' in home and "/assess/start" not in home
    token = launch_learner(client, platform, "kinds", {"assessment": "validation"})
    home = client.get(f"/home?ls={token}").get_data(as_text=True)
    assert f'href="/validation?ls={token}"' in home and "/assess/start" not in home


def test_continuing_in_the_same_launch_after_a_pause_is_recorded_as_resumed(
    client, db, platform, xapi_validator
):
    token = launch_learner(client, platform, "pause", ONE)
    attempt_id = attempt_id_of(start(client, token).location)
    later = fill_domain(client, token, attempt_id, "setting-direction", 3, action="later")
    assert later.status_code == 303
    assert attempt_id_of(start(client, token).location) == attempt_id
    client.get(f"/assess/{attempt_id}/finish?ls={token}")
    statements = statements_of(db, learner_id(db, platform, "pause"))
    assert verbs(statements) == ["launched", "initialized"] + ["answered"] * 4 + [
        "suspended",
        "resumed",
    ]
    assert xapi_validator(statements) == [[]] * len(statements)


def test_a_picked_stage_alone_is_answered_and_valid(client, db, platform, xapi_validator):
    token = launch_learner(client, platform, "picked", ONE)
    attempt_id = attempt_id_of(start(client, token).location)
    fields = {f"stage:setting-direction/{e}": "2" for e in _elements("setting-direction")}
    saved = fill_domain(client, token, attempt_id, "setting-direction", "unsure", **fields)
    assert saved.status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    statements = statements_of(db, learner_id(db, platform, "picked"))
    answered = [s for s in statements if verbs([s]) == ["answered"]]
    assert len(answered) == 4 and all(s["result"]["response"] == "" for s in answered)
    assert xapi_validator(statements) == [[]] * len(statements)


def _elements(domain_id):
    from tests.support.assess_helpers import LF

    return [e.id for e in LF.domain(domain_id).elements]
