"""The results pages: history of self-assessments only, reflections, the learner's name in print."""

import html
import re

from sqlalchemy import update

from lti_tool.models import Platform
from tests.support.assess_helpers import (
    attempt_id_of,
    complete,
    fill_domain,
    launch_learner,
    start,
)
from tests.support.feedback_helpers import self_rate, start_360
from tests.support.lti_helpers import LTI

DOMAIN = "working-with-others"
ONE = {"domains": DOMAIN}


def _complete(client, token, value, **extra):
    attempt_id = attempt_id_of(start(client, token).location)
    assert fill_domain(client, token, attempt_id, DOMAIN, value, **extra).status_code == 303
    assert complete(client, token, attempt_id).status_code == 303
    return attempt_id


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_360_self_rating_is_not_a_row_of_the_self_assessment_history(client, platform):
    # The learner rates themselves in a 360 (completed, but never scored) ...
    token_360 = start_360(client, platform, "history-360")
    assert self_rate(client, token_360, [2, 2, 2, 2]).status_code == 303
    # ... then completes two self-assessments of the same framework.
    token = launch_learner(client, platform, "history-360", ONE)
    first = _complete(client, token, lambda stage: 3 if stage <= 1 else 1)  # stage 1: 25%
    second = _complete(client, token, 4)  # stage 4: 100%
    page = _text(client.get(f"/assess/{second}/results?ls={token}"))
    history = page[page.index('id="history-heading"') :]
    rows = re.findall(r'<tr class="nhsuk-table__row (?:current)?\s*" role="row">', history)
    assert len(rows) == 2  # the two self-assessments, no "0% · – – –" row for the 360
    assert ">0%" not in history and ">25%" in history and ">100%" in history
    assert history.count('class="trend up"') == 2  # overall and Working with Others went up
    assert f"/assess/{first}/results?ls={token}" in history
    assert client.get(f"/assess/{first}/results?ls={token}").status_code == 200


def test_a_360_attempt_has_no_self_assessment_results_page(client, platform, db):
    from sqlalchemy import select

    from lti_tool.assess.models import Attempt
    from lti_tool.models import PlatformUser

    token = start_360(client, platform, "results-360")
    assert self_rate(client, token, [3, 3, 3, 3]).status_code == 303
    with db.sessions() as session:
        attempt_id = session.scalar(
            select(Attempt.id)
            .join(PlatformUser, PlatformUser.id == Attempt.platform_user_id)
            .where(PlatformUser.sub == "results-360", PlatformUser.issuer == platform.issuer)
        )
    response = client.get(f"/assess/{attempt_id}/results?ls={token}")
    assert response.status_code == 404  # not a server error
    assert "Traceback" not in response.get_data(as_text=True)


def test_reflections_and_evidence_appear_on_results_and_in_print(client, platform):
    token = launch_learner(client, platform, "noted", ONE)
    networks = f"{DOMAIN}/developing-networks"
    teams = f"{DOMAIN}/working-within-teams"
    attempt_id = _complete(
        client,
        token,
        3,
        **{
            f"reflection:{networks}": "Set up a journal club with the pharmacy team.",
            f"evidence:{networks}": "Attendance log, March to June.",
            f"evidence:{teams}": "Multi-source feedback from the ward.",
        },
    )
    for view in ("results", "print"):
        page = _text(client.get(f"/assess/{attempt_id}/{view}?ls={token}"))
        assert "reflections and evidence" in page
        block = page[page.index(f'class="lp-reflection" data-element="{networks}"') :]
        assert "Set up a journal club with the pharmacy team." in block
        assert "Attendance log, March to June." in block
        assert "Multi-source feedback from the ward." in page


def test_the_print_view_names_the_learner(client, platform):
    token = launch_learner(client, platform, "printed", ONE)
    attempt_id = _complete(client, token, 2)
    page = _text(client.get(f"/assess/{attempt_id}/print?ls={token}"))
    assert "<h1>Leadership self-assessment results: Jo Bloggs</h1>" in page
    assert "Self-assessment results of Jo Bloggs (print)" in page


def test_frameworks_and_career_phases_are_named_by_their_titles(client, platform, db):
    custom = {"domains": DOMAIN, "career_phase": "foundation", "framework": "lf-2011"}
    token = launch_learner(client, platform, "titles", custom)
    home = _text(client.get(f"/home?ls={token}"))
    assert (
        "against the NHS Leadership Framework, for the Foundation year 1 (F1) career phase" in home
    )
    assert "lf-2011" not in home
    attempt_id = _complete(client, token, 2)
    results = _text(client.get(f"/assess/{attempt_id}/results?ls={token}"))
    assert "lf-2011" not in results.split("<main", 1)[1]
    assert "Foundation year 1 (F1)" in results


def test_results_show_the_institution_that_launched(client, platform, db):
    with db.transaction() as session:
        session.execute(
            update(Platform).where(Platform.issuer == platform.issuer).values(name="Deanery South")
        )
    claims = {LTI + "custom": ONE}
    token = launch_learner(client, platform, "institution", None, **claims)
    page = _text(client.get(f"/home?ls={token}"))
    assert 'class="lp-header__institution">Deanery South<' in page
