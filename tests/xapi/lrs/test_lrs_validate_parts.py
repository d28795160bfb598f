import pytest

from xapi.lrs import validate_parts as p
from xapi.lrs.errors import Invalid


@pytest.mark.parametrize(
    "agent",
    [
        {"mbox": "mailto:a@example.org"},
        {"objectType": "Agent", "mbox_sha1sum": "a" * 40, "name": "A"},
        {"openid": "https://id.example.org/a"},
        {"account": {"homePage": "https://lms.example", "name": "42"}},
    ],
)
def test_agents_with_one_identifier_are_valid(agent):
    p.agent(agent, "actor")


@pytest.mark.parametrize(
    "agent,field",
    [
        ({}, "actor"),
        ({"mbox": "mailto:a@x.org", "openid": "https://x"}, "actor"),
        ({"mbox": "a@example.org"}, "actor.mbox"),
        ({"mbox_sha1sum": "abc"}, "actor.mbox_sha1sum"),
        ({"openid": "not iri"}, "actor.openid"),
        ({"account": {"name": "x"}}, "actor.account.homePage"),
        ({"account": {"homePage": "https://x"}}, "actor.account.name"),
        ({"account": {"homePage": "https://x", "name": "n", "id": 1}}, "actor.account.id"),
        ({"mbox": "mailto:a@x.org", "name": 5}, "actor.name"),
        ({"mbox": "mailto:a@x.org", "objectType": "agent"}, "actor.objectType"),
    ],
)
def test_agents_are_refused_with_the_field(agent, field):
    with pytest.raises(Invalid) as caught:
        p.actor(agent, "actor")
    assert caught.value.field == field


def test_anonymous_groups_need_members_and_members_are_agents():
    p.group({"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]}, "g")
    p.group({"objectType": "Group", "mbox": "mailto:team@x.org"}, "g")
    with pytest.raises(Invalid, match="g.member: is required"):
        p.group({"objectType": "Group"}, "g")
    with pytest.raises(Invalid, match=r"g.member\[0\]: must be an Agent"):
        p.group(
            {
                "objectType": "Group",
                "member": [{"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]}],
            },
            "g",
        )
    with pytest.raises(Invalid, match="g: must have exactly one"):
        p.group({"objectType": "Group", "mbox": "mailto:a@x.org", "openid": "https://x"}, "g")


def test_interaction_components_follow_the_interaction_type():
    p.definition(
        {
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}],
        },
        "d",
    )
    p.definition(
        {"interactionType": "matching", "source": [{"id": "1"}], "target": [{"id": "2"}]}, "d"
    )
    with pytest.raises(Invalid, match="d.scale: is only allowed for interactionType likert"):
        p.definition({"interactionType": "choice", "scale": [{"id": "1"}]}, "d")
    with pytest.raises(Invalid, match=r"d.choices\[1\].id: repeats"):
        p.definition({"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]}, "d")
    with pytest.raises(Invalid, match="d.interactionType"):
        p.definition({"interactionType": "essay"}, "d")
    with pytest.raises(Invalid, match="d.correctResponsesPattern: must be an array"):
        p.definition({"interactionType": "choice", "correctResponsesPattern": "a"}, "d")
    with pytest.raises(Invalid, match="d.correctResponsesPattern: needs an interactionType"):
        p.definition({"correctResponsesPattern": ["a"]}, "d")


def test_activity_definitions_check_language_maps_and_iris():
    with pytest.raises(Invalid, match="a.definition.name"):
        p.activity({"id": "https://x", "definition": {"name": "Quiz"}}, "a")
    with pytest.raises(Invalid, match="a.definition.type"):
        p.activity({"id": "https://x", "definition": {"type": "quiz"}}, "a")
    with pytest.raises(Invalid, match="a.definition.moreInfo"):
        p.activity({"id": "https://x", "definition": {"moreInfo": "here"}}, "a")
    with pytest.raises(Invalid, match="a.definition.colour"):
        p.activity({"id": "https://x", "definition": {"colour": "red"}}, "a")


def test_statement_refs_hold_only_a_uuid_id():
    with pytest.raises(Invalid, match="r.id"):
        p.statement_ref({"objectType": "StatementRef", "id": "x"}, "r")
    with pytest.raises(Invalid, match="r.definition"):
        p.statement_ref(
            {
                "objectType": "StatementRef",
                "definition": {},
                "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
            },
            "r",
        )


def test_numbers_exclude_booleans():
    with pytest.raises(Invalid):
        p.number(True, "n")
