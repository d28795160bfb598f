import copy

import pytest

from tests.xapi.statements.statement_samples import BASE, build_all, make_context
from xapi.lrs.validate import validate_statements
from xapi.profile import (
    build_profile,
    check_against_template,
    check_extensions,
    follows_pattern,
    template_for,
)

PROFILE = build_profile(BASE)
KINDS = list(build_all(make_context()))


def _every_statement() -> list[dict]:
    """Every kind, with and without personal data, and with optional values left out."""
    batch = []
    for changes in ({}, {"include_pii": True}, {"context_id": None, "platform_product": None}):
        batch.extend(build_all(make_context(**changes)).values())
    return batch


def test_every_statement_kind_passes_learninglocker_xapi_validation(xapi_validator):
    batch = _every_statement()
    warnings = xapi_validator(batch)
    assert len(warnings) == len(batch)
    problems = {
        f"{s['verb']['id']} #{n}": w
        for n, (s, w) in enumerate(zip(batch, warnings, strict=True))
        if w
    }
    assert problems == {}


def test_the_validator_really_reports_a_broken_statement(xapi_validator, statements):
    broken = copy.deepcopy(statements["completed"])
    broken["verb"]["id"] = "completed"
    broken["version"] = "2.0"
    broken["result"]["score"]["scaled"] = 3
    (warnings,) = xapi_validator([broken])
    assert any("statement.verb.id" in w for w in warnings)
    assert any("statement.version" in w for w in warnings)
    assert any("statement.result.score.scaled" in w for w in warnings)


@pytest.mark.parametrize("kind", KINDS)
def test_each_statement_conforms_to_its_own_profile_template(statements, kind):
    template = template_for(statements[kind], PROFILE)
    assert template is not None
    assert template["id"] == f"{BASE}/xapi/profile/templates/{kind}"
    assert check_against_template(statements[kind], template) == []


@pytest.mark.parametrize("statement", _every_statement(), ids=lambda s: s["verb"]["id"])
def test_variants_conform_to_their_templates_and_extension_schemas(statement):
    template = template_for(statement, PROFILE)
    assert check_against_template(statement, template) == []
    assert check_extensions(statement, PROFILE) == []


def test_template_check_fails_when_version_is_set(statements):
    statement = dict(statements["answered"], version="1.0.3")
    problems = check_against_template(statement, template_for(statement, PROFILE))
    assert problems == ["$.version must be absent"]


@pytest.mark.parametrize("kind", ["initialized", "answered", "completed", "validated", "rated"])
def test_template_check_fails_without_registration(statements, kind):
    statement = copy.deepcopy(statements[kind])
    del statement["context"]["registration"]
    problems = check_against_template(statement, template_for(statement, PROFILE))
    assert problems == ["$.context.registration must be present"]


def test_template_check_fails_for_identity_statements_with_a_registration(statements):
    statement = copy.deepcopy(statements["identity-linked"])
    statement["context"]["registration"] = "5a1c9e0b-7d4f-4b2a-8e6c-1f3d5b7a9c21"
    problems = check_against_template(statement, template_for(statement, PROFILE))
    assert problems == ["$.context.registration must be absent"]


def test_template_check_fails_for_an_email_a_named_rater_or_a_foreign_home_page(statements):
    rated = copy.deepcopy(statements["rated"])
    rated["actor"]["name"] = "Pat Peer"
    rated["actor"]["mbox"] = "mailto:pat@example.org"
    rated["actor"]["account"]["homePage"] = "https://elsewhere.example"
    problems = check_against_template(rated, template_for(rated, PROFILE))
    assert sorted(problems) == [
        "$.actor.account.homePage has values outside ['https://leadpath.example.ac.uk']",
        "$.actor.mbox must be absent",
        "$.actor.name must be absent",
    ]


def test_template_check_reports_determining_properties(statements):
    template = template_for(statements["answered"], PROFILE)
    statement = copy.deepcopy(statements["completed"])
    statement["context"]["contextActivities"]["grouping"].pop(1)  # the framework
    problems = check_against_template(statement, template)
    assert any(p.startswith("verb is ") for p in problems)
    assert any(p.startswith("object type is ") for p in problems)
    assert any("context grouping has no activity of type" in p for p in problems)
    assert any("context other has no activity of type" in p for p in problems)


def test_template_check_rejects_values_outside_a_rules_all_and_any(statements):
    completed = copy.deepcopy(statements["completed"])
    completed["result"]["completion"] = False
    completed["context"]["contextActivities"]["category"] = [{"id": "https://other.example/p"}]
    problems = check_against_template(completed, template_for(completed, PROFILE))
    assert "$.result.completion has values outside [True]" in problems
    assert any(
        p.startswith("$.context.contextActivities.category[*].id has none") for p in problems
    )


def test_extension_check_reports_undefined_and_ill_typed_extensions(statements):
    statement = copy.deepcopy(statements["answered"])
    statement["context"]["extensions"][f"{BASE}/xapi/profile/extensions/mood"] = "calm"
    statement["result"]["extensions"][f"{BASE}/xapi/profile/extensions/stage"] = "two"
    problems = check_extensions(statement, PROFILE)
    assert len(problems) == 2
    assert "mood is not defined in the profile" in problems[0]
    assert "'two' is not of type 'integer'" in problems[1]


def test_an_attempts_statements_follow_the_primary_pattern(statements):
    s = statements
    attempt = [s["launched"], s["initialized"], s["answered"], s["suspended"], s["launched"]]
    attempt += [s["resumed"], s["rated"], s["answered"], s["completed"], s["validated"]]
    attempt += [s["competency-assessed"], s["competency-asserted"]]
    assert follows_pattern(attempt, PROFILE)


@pytest.mark.parametrize(
    "order",
    [
        ["answered", "initialized", "completed"],
        ["initialized", "answered"],
        ["initialized", "completed", "answered"],
        ["initialized", "identity-linked", "completed"],
    ],
)
def test_out_of_order_attempts_do_not_follow_the_pattern(statements, order):
    assert not follows_pattern([statements[k] for k in order], PROFILE)


@pytest.mark.parametrize("allow_2", [False, True], ids=["xAPI 1.0.3", "xAPI 2.0.0"])
def test_every_statement_kind_is_valid_in_both_xapi_versions(allow_2):
    """The forwarder sends them unchanged in whichever version the destination speaks."""
    batch = _every_statement()
    validate_statements(batch, allow_2=allow_2)
    two_only = {"contextAgents", "contextGroups", "version"}
    assert [s["id"] for s in batch if two_only & (set(s) | set(s.get("context", {})))] == []
