from xapi.lrs import keys

ACTOR = {"mbox": "mailto:a@example.org"}


def test_agents_match_by_identifier_and_object_type():
    assert keys.agent_ifi({"mbox": "mailto:a@x.org"}) == keys.agent_ifi(
        {"objectType": "Agent", "name": "A", "mbox": "mailto:a@x.org"}
    )
    assert keys.agent_ifi({"objectType": "Group", "mbox": "mailto:a@x.org"}) != keys.agent_ifi(
        {"mbox": "mailto:a@x.org"}
    )
    assert keys.agent_ifi({"objectType": "Group", "member": []}) is None


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
    found = keys.statement_keys(statement)
    ifi = keys.agent_ifi
    assert keys.key_hash("A", ifi(ACTOR)) in found
    assert keys.key_hash("a", ifi(ACTOR)) in found
    for related in (
        {"mbox": "mailto:t@x.org"},
        {"mbox": "mailto:auth@x.org"},
        {"openid": "https://sub"},
    ):
        assert keys.key_hash("a", ifi(related)) in found
        assert keys.key_hash("A", ifi(related)) not in found
    assert keys.key_hash("v", "https://inner") in found
    assert keys.key_hash("V", "https://inner") not in found
    assert keys.key_hash("G", "https://course") in found


def test_group_members_count_as_the_agent():
    group = {"objectType": "Group", "member": [ACTOR]}
    found = keys.statement_keys(
        {"actor": group, "verb": {"id": "https://v"}, "object": {"id": "https://a"}}
    )
    assert keys.key_hash("A", keys.agent_ifi(ACTOR)) in found
