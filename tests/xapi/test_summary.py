"""A statement in a few words: what the statement table shows people."""

from xapi.summary import in_words

VERB = "http://adlnet.gov/expapi/verbs/completed"


def test_names_and_displays_are_preferred():
    said = in_words(
        {
            "stored": "2026-05-01T10:11:12.345Z",
            "actor": {"name": "Alex Morgan", "mbox": "mailto:alex@example.ac.uk"},
            "verb": {"id": VERB, "display": {"fr": "a terminé", "en-GB": "completed"}},
            "object": {"id": "https://x.example/a", "definition": {"name": {"en": "Self-check"}}},
            "result": {"score": {"scaled": 0.755}, "success": True, "completion": True},
        }
    )
    assert said == ("2026-05-01 10:11:12", "Alex Morgan", "completed", "Self-check",
                    "76% passed complete")  # fmt: skip


def test_identifiers_stand_in_when_the_ids_format_left_no_names():
    said = in_words(
        {
            "actor": {"account": {"homePage": "https://lp.example", "name": "uuid-1"}},
            "verb": {"id": VERB},
            "object": {"id": "https://x.example/a"},
        }
    )
    assert (said.actor, said.verb, said.object, said.result) == (
        "uuid-1", "completed", "https://x.example/a", ""
    )  # fmt: skip


def test_agents_groups_and_sub_statements_as_objects():
    base = {"actor": {"mbox": "mailto:a@example.ac.uk"}, "verb": {"id": VERB}}
    agent = {"objectType": "Agent", "openid": "https://o.example"}
    assert in_words({**base, "object": agent}).object == "https://o.example"
    assert in_words({**base, "object": {"objectType": "Group", "member": []}}).object == "(group)"
    assert in_words({**base, "object": {"objectType": "SubStatement"}}).object == "(sub-statement)"
    assert in_words({**base, "object": {"id": "x"}}).actor == "mailto:a@example.ac.uk"
    assert in_words({**base, "object": {"id": "x"}, "result": {"success": False}}).result == (
        "not passed"
    )
