"""A linked learner's earlier statements: voided, and re-issued under the surviving account."""

import uuid

from tests.xapi.statements.statement_samples import BASE, build_all, make_context
from xapi.profile import build_profile, check_against_template, check_extensions, template_for
from xapi.statements.reissue import build_voided, reissue, voids_and_reissues

FORMER = "0b6f1d3e-4c1a-4d8e-9a51-3c2b7e1f0a11"  # the sample context's learner
SURVIVING = str(uuid.uuid4())
PROFILE = build_profile(BASE)


def test_every_kind_of_statement_is_voided_and_reissued_and_all_conform(xapi_validator):
    originals = list(build_all(make_context()).values())
    made = voids_and_reissues(originals, BASE, FORMER, SURVIVING)
    voided, copies = made[0::2], made[1::2]
    named = [s for s in originals if FORMER in str(s)]
    assert [v["object"]["id"] for v in voided] == [s["id"] for s in named]
    assert xapi_validator(made) == [[] for _ in made]
    for statement in made:
        template = template_for(statement, PROFILE)
        assert template is not None, statement["verb"]["id"]
        assert check_against_template(statement, template) == []
        assert check_extensions(statement, PROFILE) == []
    for original, copy in zip(named, copies, strict=True):
        assert FORMER not in str(copy) and SURVIVING in str(copy)
        assert copy["id"] != original["id"]
        assert copy["timestamp"] == original["timestamp"]
        reissued_from = copy["context"]["extensions"][
            f"{BASE}/xapi/profile/extensions/reissued-from"
        ]
        assert reissued_from == original["id"]


def test_a_rater_actor_is_kept_when_a_rating_is_reissued():
    rated = build_all(make_context())["rated"]
    copy = reissue(rated, BASE, FORMER, SURVIVING)
    assert copy["actor"] == rated["actor"]  # the anonymised rater stays the actor
    assert SURVIVING in str(copy["context"]["extensions"])


def test_statements_not_naming_the_former_account_and_voiding_statements_are_left_alone():
    other = build_all(make_context(learner_id=str(uuid.uuid4())))["launched"]
    voiding = build_voided(BASE, FORMER, str(uuid.uuid4()))
    assert voids_and_reissues([other, voiding], BASE, FORMER, SURVIVING) == []
