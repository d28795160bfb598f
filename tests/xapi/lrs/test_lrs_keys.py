from xapi.lrs import lookup_keys

ACTOR = {"mbox": "mailto:a@example.org"}


def test_agents_match_by_identifier_and_object_type():
    assert lookup_keys.agent_ifi({"mbox": "mailto:a@x.org"}) == lookup_keys.agent_ifi(
        {"objectType": "Agent", "name": "A", "mbox": "mailto:a@x.org"}
    )
    assert lookup_keys.agent_ifi(
        {"objectType": "Group", "mbox": "mailto:a@x.org"}
    ) != lookup_keys.agent_ifi({"mbox": "mailto:a@x.org"})
    assert lookup_keys.agent_ifi({"objectType": "Group", "member": []}) is None


def test_related_keys_cover_context_authority_and_substatements():
    statement = {
        "actor": ACTOR,
        "verb": {"id": "https://v"},
        "object": {
            "objectType": "SubStatement",
            "actor": {"openid": "https://sub"},
            "verb": {"id": "https://v2"},
            "object": {"id": "https://inner"},
        },
        "context": {
            "instructor": {"mbox": "mailto:t@x.org"},
            "contextActivities": {"grouping": [{"id": "https://course"}]},
        },
        "authority": {"mbox": "mailto:auth@x.org"},
    }
    found = lookup_keys.statement_keys(statement)
    ifi = lookup_keys.agent_ifi
    assert found[lookup_keys.key_hash("a", ifi(ACTOR))] is True
    for related in (
        {"mbox": "mailto:t@x.org"},
        {"mbox": "mailto:auth@x.org"},
        {"openid": "https://sub"},
    ):
        assert found[lookup_keys.key_hash("a", ifi(related))] is False
    assert found[lookup_keys.key_hash("v", "https://inner")] is False
    assert found[lookup_keys.key_hash("v", "https://course")] is False
    assert found[lookup_keys.key_hash("G", "https://course")] is True
    assert found[lookup_keys.key_hash("B", "https://v")] is True


def test_an_agent_both_actor_and_instructor_is_direct():
    statement = {
        "actor": ACTOR,
        "verb": {"id": "https://v"},
        "object": {"id": "https://a"},
        "context": {"instructor": ACTOR},
    }
    assert (
        lookup_keys.statement_keys(statement)[
            lookup_keys.key_hash("a", lookup_keys.agent_ifi(ACTOR))
        ]
        is True
    )


def test_group_members_count_as_the_agent():
    group = {"objectType": "Group", "member": [ACTOR]}
    found = lookup_keys.statement_keys(
        {"actor": group, "verb": {"id": "https://v"}, "object": {"id": "https://a"}}
    )
    assert found[lookup_keys.key_hash("a", lookup_keys.agent_ifi(ACTOR))] is True


def test_keys_survive_their_stored_form():
    found = {5: True, -7: False, 123456789012: True, -(2**63): False, 2**63 - 1: True}
    assert lookup_keys.decode_keys(lookup_keys.encode_keys(found)) == found


def test_keys_stored_in_the_earlier_comma_form_are_read():
    assert lookup_keys.decode_keys("5d,-7,123456789012d") == {
        5: True,
        -7: False,
        123456789012: True,
    }


def test_context_agents_and_groups_are_related_keys_in_statements_and_substatements():
    """xAPI 2.0: contextAgents and contextGroups are matched by related_agents only."""
    coach = {"objectType": "Agent", "mbox": "mailto:coach@x.org"}
    team = {
        "objectType": "Group",
        "mbox": "mailto:team@x.org",
        "member": [{"mbox": "mailto:m@x.org"}],
    }
    assessor = {"objectType": "Agent", "openid": "https://assessor.example"}
    statement = {
        "actor": ACTOR,
        "verb": {"id": "https://v"},
        "object": {
            "objectType": "SubStatement",
            "actor": ACTOR,
            "verb": {"id": "https://v2"},
            "object": {"id": "https://inner"},
            "context": {"contextAgents": [{"objectType": "contextAgent", "agent": assessor}]},
        },
        "context": {
            "contextAgents": [{"objectType": "contextAgent", "agent": coach}],
            "contextGroups": [{"objectType": "contextGroup", "group": team}],
        },
    }
    found = lookup_keys.statement_keys(statement)
    ifi = lookup_keys.agent_ifi
    for related in (coach, team, {"mbox": "mailto:m@x.org"}, assessor):
        assert found[lookup_keys.key_hash("a", ifi(related))] is False
