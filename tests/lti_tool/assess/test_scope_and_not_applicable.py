"""Which domains a self-assessment covers, "Not applicable to my role", and the grade modes.

Every figure is hand-computed from the rule in framework/SCORING.md.
"""

import html
import re

import pytest

from framework.loader import load_bundled
from lti_tool.assess.models import Attempt
from tests.support.assess_helpers import (
    LF,
    attempt_id_of,
    complete,
    launch_learner,
    learner_id,
    revision_on,
    start,
    statements_of,
    verbs,
)

BUNDLED = load_bundled()
NA = "not-applicable"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _at_stage(element, stage: int) -> dict:
    """Fields rating an element's indicators Often up to `stage` and Rarely above it."""
    return {"rating:" + i.id: "3" if i.stage <= stage else "1" for i in element.indicators}


def _save(client, token, attempt_id, domain_id, fields) -> None:
    page = client.get(f"/assess/{attempt_id}/domains/{domain_id}?ls={token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {"ls": token, "revision": revision_on(_text(page)), "action": "next", **fields}
    saved = client.post(f"/assess/{attempt_id}/domains/{domain_id}", data=data)
    assert saved.status_code == 303, saved.get_data(as_text=True)


def _stored(db, attempt_id):
    with db.sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        return attempt.score, attempt.result


# Scope: the senior domains only where the career phase expects them


@pytest.mark.parametrize(
    ("phase", "domains"),
    [(None, 5), ("f1", 5), ("medical-student", 5), ("cpd", 5), ("senior-leader", 7)],
)
def test_lf_senior_domains_are_in_scope_only_where_the_phase_expects_them(
    client, platform, phase, domains
):
    custom = {"framework": "lf-2011"} | ({"career_phase": phase} if phase else {})
    token = launch_learner(client, platform, f"scope-{phase}", custom)
    started = start(client, token)
    attempt_id = attempt_id_of(started.location)
    assert f"Domain 1 of {domains}" in _text(client.get(started.location))
    senior = client.get(f"/assess/{attempt_id}/domains/creating-the-vision?ls={token}")
    assert senior.status_code == (200 if domains == 7 else 404)
    finish = _text(client.get(f"/assess/{attempt_id}/finish?ls={token}"))
    assert ("Delivering the Strategy" in finish) is (domains == 7)


def test_a_senior_domain_listed_by_the_activity_says_its_stages_are_leadpaths(client, platform):
    token = launch_learner(client, platform, "senior", {"domains": "creating-the-vision"})
    page = _text(client.get(start(client, token).location))
    assert "sets no stages for it" in page  # the domain's own note
    assert page.count("(defined by leadpath)") == 4 * 4  # every stage of its four elements


def test_lf_pages_say_it_is_superseded_and_carry_the_independence_statement(client, platform):
    token = launch_learner(client, platform, "lf", {"domains": "working-with-others"})
    page = _text(client.get(start(client, token).location))
    assert "is superseded by the Healthcare Leadership Model (2013)." in page
    assert "not produced, reviewed or endorsed by the NHS Leadership Academy" in page
    assert "Official texts © NHS Leadership Academy." in page


def test_mlcf_pages_say_the_stages_are_leadpaths_derived_from_the_lf(client, platform):
    custom = {"framework": "mlcf-2010", "domains": "working-with-others"}
    token = launch_learner(client, platform, "mlcf", custom)
    page = _text(client.get(start(client, token).location))
    assert BUNDLED["mlcf-2010"].rating_note in page
    assert "Academy of Medical Royal Colleges" in page
    assert "superseded" not in page


# Not applicable to my role


def test_not_applicable_is_offered_beside_not_sure_for_every_indicator(client, platform):
    token = launch_learner(client, platform, "na-page", {"domains": "working-with-others"})
    page = _text(client.get(start(client, token).location))
    indicators = [i for e in LF.domain("working-with-others").elements for i in e.indicators]
    for indicator in indicators:
        names = re.findall(r'name="rating:([^"]+)"[^>]*value="(unsure|not-applicable)"', page)
        assert (indicator.id, "unsure") in names and (indicator.id, NA) in names
    assert page.count("Not applicable to my role") >= len(indicators)


def _fill_working_with_others(client, token, attempt_id) -> None:
    networks, relationships, contribution, teams = LF.domain("working-with-others").elements
    fields = _at_stage(networks, 2)
    fields |= {"rating:" + i.id: NA for i in relationships.indicators}
    # contribution: stage 1 wholly not applicable (skipped), stage 2 Often, 3 and 4 Rarely
    fields |= {
        "rating:" + i.id: NA if i.stage == 1 else "3" if i.stage == 2 else "1"
        for i in contribution.indicators
    }
    fields |= {"rating:" + i.id: "4" for i in teams.indicators}
    _save(client, token, attempt_id, "working-with-others", fields)


@pytest.mark.parametrize(
    ("custom", "score", "note"),
    [
        # F1 expects stage 2 in Working with Others: networks 2, contribution 2, teams 4 meet;
        # relationships is wholly not applicable and left out: 3 of 3
        ({"career_phase": "f1"}, 1.0, "3 of 3 elements meet or exceed the stage expected"),
        # stage steps 2 + 2 + 4 = 8 of 3 × 4 = 12
        ({"career_phase": "f1", "grade": "stage"}, 0.6667, "8 of 12 stage steps attained."),
        # all four answered (one of them wholly not applicable) of four
        ({"career_phase": "f1", "grade": "completion"}, 1.0, "4 of 4 elements answered."),
        ({}, 0.6667, "8 of 12 stage steps attained (graded by stage: no career phase)."),
    ],
)
def test_not_applicable_leaves_the_stage_rule_and_the_grade(
    client, db, platform, custom, score, note
):
    sub = "na-" + "-".join(custom.values())
    token = launch_learner(client, platform, sub, {"domains": "working-with-others", **custom})
    attempt_id = attempt_id_of(start(client, token).location)
    _fill_working_with_others(client, token, attempt_id)
    finish = _text(client.get(f"/assess/{attempt_id}/finish?ls={token}"))
    assert "Every element has an answer." in finish
    assert complete(client, token, attempt_id).status_code == 303

    stored_score, result = _stored(db, attempt_id)
    assert stored_score == score and note in result["grade"]["note"]
    elements = result["elements"]
    relationships = "working-with-others/building-and-maintaining-relationships"
    assert elements[relationships]["not_applicable"] is True
    assert elements[relationships]["attained"] is None
    assert elements["working-with-others/encouraging-contribution"]["attained"] == 2
    domain = result["domains"]["working-with-others"]
    assert (domain["median"], domain["minimum"], domain["maximum"]) == (2, 2, 4)
    assert domain["not_applicable"] == 1

    page = _text(client.get(f"/assess/{attempt_id}/results?ls={token}"))
    assert f"{score * 100:.0f}%: " in page and note in page
    assert "Not applicable to the role" in page
    row = re.search(r"Working with Others</th>.*?</tr>", page, re.S).group(0)
    assert "Stage 2" in row and "2–4" in row

    statements = statements_of(db, learner_id(db, platform, sub))
    completed = statements[verbs(statements).index("completed")]
    numerator, denominator = (int(n) for n in re.findall(r"\d+", note)[:2])
    assert completed["result"]["score"] == {
        "raw": float(numerator),
        "min": 0.0,
        "max": float(denominator),
        "scaled": score,
    }
    # no competency statements for the element that is not applicable to the role
    assessed = [s for s in statements if verbs([s]) == ["assessed"]]
    assert len(assessed) == 3
    assert all(relationships not in s["object"]["id"] for s in assessed)


def test_the_f1_worked_example_of_scoring_md_through_the_pages(client, db, platform):
    """SCORING.md#grades: F1, Working with Others and Managing Services."""
    custom = {"career_phase": "f1", "domains": "working-with-others,managing-services"}
    attained = {
        "working-with-others": [3, 2, 1, 2],
        "managing-services": [1, 0, 2, None],  # Managing performance: not applicable throughout
    }
    results = {}
    for mode in ("phase", "stage", "completion"):
        sub = f"worked-{mode}"
        token = launch_learner(client, platform, sub, {**custom, "grade": mode})
        attempt_id = attempt_id_of(start(client, token).location)
        for domain_id, stages in attained.items():
            fields = {}
            for element, stage in zip(LF.domain(domain_id).elements, stages, strict=True):
                if stage is None:
                    fields |= {"rating:" + i.id: NA for i in element.indicators}
                else:
                    fields |= _at_stage(element, stage)
            _save(client, token, attempt_id, domain_id, fields)
        assert complete(client, token, attempt_id).status_code == 303
        results[mode] = _stored(db, attempt_id)
    assert results["phase"][0] == 0.7143  # 5 of 7 meet: 3, 2, 2 in WwO (≥ 2); 1, 2 in MS (≥ 1)
    assert results["stage"][0] == 0.3929  # 3+2+1+2+1+0+2 = 11 of 7 × 4 = 28
    assert results["completion"][0] == 1.0  # 8 of 8 answered
    domains = results["phase"][1]["domains"]
    # status and gap both from the weakest element
    assert (domains["working-with-others"]["status"], domains["working-with-others"]["gap"]) == (
        "below",
        -1,
    )
    assert (domains["managing-services"]["status"], domains["managing-services"]["gap"]) == (
        "below",
        -1,
    )


def test_an_unknown_grade_mode_is_refused_with_the_allowed_values(client, platform):
    token = launch_learner(client, platform, "bad-grade", {"grade": "mean"})
    page = client.get(f"/home?ls={token}")
    assert page.status_code == 400
    text = _text(page)
    assert "grade='mean'" in text and "phase, stage, completion" in text


# HLM: the personal qualities are reflected on, never rated


def test_hlm_personal_qualities_are_a_written_reflection_not_rated(client, db, platform):
    hlm = BUNDLED["hlm-2013"]
    custom = {"framework": "hlm-2013", "domains": "holding-to-account,personal-qualities"}
    token = launch_learner(client, platform, "hlm-pq", custom)
    attempt_id = attempt_id_of(start(client, token).location)
    pq = hlm.domain("personal-qualities")
    page = _text(client.get(f"/assess/{attempt_id}/domains/personal-qualities?ls={token}"))
    assert "it is not rated and does not count towards a grade" in page
    assert 'name="rating:' not in page and 'name="stage:' not in page
    for element in pq.elements:
        assert element.prompt in page
    refused = client.post(
        f"/assess/{attempt_id}/domains/personal-qualities",
        data={
            "ls": token,
            "revision": revision_on(page),
            "action": "next",
            f"stage:{pq.elements[0].path}": "2",
        },
    )
    assert refused.status_code == 400 and "not rated" in _text(refused)

    hta = hlm.domain("holding-to-account").elements[0]
    _save(client, token, attempt_id, "holding-to-account", _at_stage(hta, 2))
    reflection = {f"reflection:{pq.elements[0].path}": "I noticed I rush when tired."}
    _save(client, token, attempt_id, "personal-qualities", reflection)
    assert complete(client, token, attempt_id).status_code == 303
    score, result = _stored(db, attempt_id)
    assert set(result["elements"]) == {hta.path}
    assert score == 0.5  # HLM levels are not tied to a role: stage mode, 2 of 4
    results = _text(client.get(f"/assess/{attempt_id}/results?ls={token}"))
    assert "I noticed I rush when tired." in results and pq.elements[0].title in results


# Crosswalked results: labelled indicative, never read backwards


def test_results_say_which_curriculum_outcomes_they_give_indicative_evidence_for(
    client, db, platform
):
    token = launch_learner(client, platform, "evidence", {"domains": "working-with-others"})
    attempt_id = attempt_id_of(start(client, token).location)
    elements = LF.domain("working-with-others").elements
    fields = {}
    for element in elements:
        fields |= _at_stage(element, 2)
    _save(client, token, attempt_id, "working-with-others", fields)
    assert complete(client, token, attempt_id).status_code == 303
    page = _text(client.get(f"/assess/{attempt_id}/results?ls={token}"))
    section = page.split('id="evidence-heading"', 1)[1].split("</section>", 1)[0]
    assert "What this result gives evidence for (indicative)" in page
    assert "It is indicative only: the frameworks' owners have not reviewed or endorsed" in section
    for target in ("ukfp-2021", "gmc-gpc-2017", "gmc-ofg-2018", "hlm-2013"):
        assert f"{BUNDLED[target].title} (indicative)" in section, target
    assert "Medical Leadership Competency Framework" not in section  # never read backwards


def test_an_mlcf_result_is_read_under_the_lf_its_one_to_one_crosswalk_targets(client, db, platform):
    custom = {"framework": "mlcf-2010", "domains": "working-with-others"}
    token = launch_learner(client, platform, "evidence-mlcf", custom)
    attempt_id = attempt_id_of(start(client, token).location)
    mlcf = BUNDLED["mlcf-2010"]
    fields = {}
    for element in mlcf.domain("working-with-others").elements:
        fields |= _at_stage(element, 3)
    _save(client, token, attempt_id, "working-with-others", fields)
    assert complete(client, token, attempt_id).status_code == 303
    section = _text(client.get(f"/assess/{attempt_id}/results?ls={token}"))
    section = section.split('id="evidence-heading"', 1)[1].split("</section>", 1)[0]
    assert "NHS Leadership Framework (indicative)" in section
    assert section.count("Stage 3: leading a team or service") == 4  # stages map 1:1
