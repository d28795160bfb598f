"""Every accepted launch queues a `launched` statement in the same transaction."""

import json

from sqlalchemy import select

from lti_tool.models import PlatformUser
from tests.support.lti_helpers import LTI, launch
from xapi.outbox.models import OutboxStatement
from xapi.profile import build_profile, check_against_template, template_for


def _queued(db, platform, sub):
    with db.sessions() as session:
        learner_id = session.scalar(
            select(PlatformUser.learner_id).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )
        bodies = session.scalars(
            select(OutboxStatement.body)
            .where(OutboxStatement.learner_key == learner_id)
            .order_by(OutboxStatement.seq)
        ).all()
    return learner_id, [json.loads(b) for b in bodies]


def test_launch_queues_a_launched_statement_about_the_learner(client, db, platform, xapi_validator):
    custom = {"framework": "lf-2011", "career_phase": "foundation"}
    platform_claim = {"guid": "g", "product_family_code": "moodle", "name": "Uni Moodle"}
    assert (
        launch(
            client,
            platform,
            sub="stmt-1",
            **{LTI + "custom": custom, LTI + "tool_platform": platform_claim},
        ).status_code
        == 303
    )
    learner_id, statements = _queued(db, platform, "stmt-1")
    assert len(statements) == 1
    [statement] = statements
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert statement["actor"]["account"] == {"homePage": "http://localhost", "name": learner_id}
    assert "mbox" not in statement["actor"] and "name" not in statement["actor"]
    assert statement["context"]["platform"] == "moodle"
    assert "version" not in statement
    assert xapi_validator([statement]) == [[]]
    profile = build_profile("http://localhost")
    assert check_against_template(statement, template_for(statement, profile)) == []


def test_failed_launch_queues_no_statement(client, db, platform):
    response = launch(client, platform, sub="stmt-2", **{LTI + "version": "1.2"})
    assert response.status_code == 400
    _learner, statements = _queued(db, platform, "stmt-2")
    assert statements == []


def test_learner_names_go_into_statements_only_when_allowed(make_app, db, unique):
    from tests.support.lti_helpers import make_platform

    app = make_app(xapi_include_pii=True)
    platform = make_platform(unique).register(db)
    assert launch(app.test_client(), platform, sub="pii").status_code == 303
    _learner, [statement] = _queued(db, platform, "pii")
    assert statement["actor"]["name"] == "Jo Bloggs"
    assert "mbox" not in statement["actor"]


def test_each_launch_gets_its_own_statement_id_and_timestamp(client, db, platform):
    for _ in range(2):
        assert launch(client, platform, sub="twice").status_code == 303
    _learner, statements = _queued(db, platform, "twice")
    assert len(statements) == 2
    assert statements[0]["id"] != statements[1]["id"]
    assert statements[0]["timestamp"] <= statements[1]["timestamp"]
    assert {k: v for k, v in statements[0].items() if k not in {"id", "timestamp"}} == {
        k: v for k, v in statements[1].items() if k not in {"id", "timestamp"}
    }
