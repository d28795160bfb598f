"""A learner's one query: sign-offs and 360 ratings name the learner in context.team (account
only), so the embedded LRS's agent + related_agents query returns them, without the rater;
`verified` keeps success for signed off and says adjusted apart; the profile checks both."""

from __future__ import annotations

import json
import uuid

from xapi import statements as xs
from xapi.lrs import StatementQuery, query_statements, store_statements
from xapi.profile import build_profile, check_against_template, template_for
from xapi.profile.checker import check_extensions

BASE = "https://leadpath.example.ac.uk"


def _ctx(learner: str, pii: bool = False) -> xs.LaunchContext:
    return xs.LaunchContext(
        base_url=BASE, learner_id=learner, issuer="https://lms.example", deployment_id="1",
        resource_link_id="rl", framework_iri=BASE + "/frameworks/lf-2011",
        framework_version="1", include_pii=pii, learner_name="Jo Learner",
    )  # fmt: skip


def _pair(learner: str, adjusted: bool, pii: bool = False) -> list[dict]:
    ctx, attempt = _ctx(learner, pii), str(uuid.uuid4())
    element = {
        "attempt_id": attempt,
        "element_iri": BASE
        + "/frameworks/lf-2011/elements/working-with-others/developing-networks",
        "domain_iri": BASE + "/frameworks/lf-2011/domains/working-with-others",
    }
    verified = xs.build_validated(
        ctx, xs.Validated(attempt_id=attempt, supervisor_id=str(uuid.uuid4()), agreed=not adjusted)
    )
    rated = xs.build_rated(
        ctx,
        xs.Rated(**element, ratings={}, stage=2, invite_id=str(uuid.uuid4())),
    )
    return [verified, rated]


def test_verified_says_signed_off_and_adjusted_apart():
    learner = str(uuid.uuid4())
    for adjusted in (False, True):
        verified, _ = _pair(learner, adjusted)
        assert verified["result"]["success"] is True
        assert (
            verified["result"]["extensions"][BASE + "/xapi/profile/extensions/adjusted"] is adjusted
        )


def test_team_names_the_learner_by_account_only_even_with_pii():
    learner = str(uuid.uuid4())
    for statement in _pair(learner, True, pii=True):
        member = statement["context"]["team"]["member"]
        assert member == [{"objectType": "Agent", "account": {"homePage": BASE, "name": learner}}]
    _, rated = _pair(learner, False)
    assert "name" not in rated["actor"] and learner not in json.dumps(rated["actor"])


def check_statement(profile: dict, statement: dict) -> list[str]:
    return check_against_template(statement, template_for(statement, profile)) + check_extensions(
        statement, profile
    )


def test_profile_accepts_them_and_refuses_a_failed_sign_off():
    profile = build_profile(BASE)
    verified, rated = _pair(str(uuid.uuid4()), True)
    assert check_statement(profile, verified) == []
    assert check_statement(profile, rated) == []
    verified["result"]["success"] = False
    assert check_statement(profile, verified) != []
    del rated["context"]["team"]
    assert check_statement(profile, rated) != []


def test_agent_with_related_agents_finds_sign_offs_and_ratings(app):
    engine = app.extensions["leadpath.db"].engine
    learner = str(uuid.uuid4())
    made = _pair(learner, True)
    store_statements(engine, made, authority={"objectType": "Agent", "mbox": "mailto:t@x.test"})
    agent = {"objectType": "Agent", "account": {"homePage": BASE, "name": learner}}
    related = query_statements(engine, StatementQuery(agent=agent, related_agents=True))
    assert {s["id"] for s in related.statements()} == {s["id"] for s in made}
    direct = query_statements(engine, StatementQuery(agent=agent))
    assert direct.statements() == []
