import json

import pytest

from tests.xapi.statements.statement_samples import BASE, build_all, make_context
from xapi.profile import PROFILE_VERSION, build_profile
from xapi.profile.jsonpath import JSONPathError, evaluate

PROFILE = build_profile(BASE + "/")
SCHEME = f"{BASE}/xapi/profile/v{PROFILE_VERSION}"
CONCEPTS = {c["id"]: c for c in PROFILE["concepts"]}
TEMPLATES = {t["id"]: t for t in PROFILE["templates"]}
PATTERNS = {p["id"]: p for p in PROFILE["patterns"]}


def _used(statement: dict) -> set[tuple[str, str]]:
    """(concept type, IRI) pairs a statement uses."""
    used = {("Verb", statement["verb"]["id"])}
    activities = [statement["object"]]
    for group in statement["context"]["contextActivities"].values():
        activities.extend(group)
    used |= {("ActivityType", a["definition"]["type"]) for a in activities}
    used |= {("ContextExtension", iri) for iri in statement["context"].get("extensions", {})}
    used |= {("ResultExtension", iri) for iri in statement.get("result", {}).get("extensions", {})}
    return used


def test_profile_header_follows_xapi_profiles_1_0():
    assert PROFILE["@context"] == "https://w3id.org/xapi/profiles/context"
    assert PROFILE["id"] == f"{BASE}/xapi/profile"
    assert PROFILE["type"] == "Profile"
    assert PROFILE["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert PROFILE["prefLabel"]["en"] and PROFILE["definition"]["en"]
    assert PROFILE["versions"] == [{"id": SCHEME, "generatedAtTime": "2026-11-26T00:00:00Z"}]
    assert PROFILE["author"] == {"type": "Organization", "name": "leadpath"}


def test_profile_is_plain_json():
    assert json.loads(json.dumps(PROFILE)) == PROFILE


def test_every_concept_used_by_the_builders_is_defined_in_the_profile():
    used = set()
    for changes in ({}, {"include_pii": True}):
        for statement in build_all(make_context(**changes)).values():
            used |= _used(statement)
    defined = {(c["type"], c["id"]) for c in PROFILE["concepts"]}
    assert used - defined == set()


def test_every_concept_a_template_names_is_defined():
    for template in PROFILE["templates"]:
        assert CONCEPTS[template["verb"]]["type"] == "Verb"
        named = [template["objectActivityType"]] if "objectActivityType" in template else []
        for key in ("Grouping", "Parent", "Category", "Other"):
            named += template.get(f"context{key}ActivityType", [])
        assert all(CONCEPTS[iri]["type"] == "ActivityType" for iri in named)


def test_concepts_templates_and_patterns_are_in_this_version_with_labels():
    for item in PROFILE["concepts"] + PROFILE["templates"] + PROFILE["patterns"]:
        assert item["inScheme"] == SCHEME
        assert item["prefLabel"]["en"] and item["definition"]["en"]


def test_coined_concepts_live_under_the_profile_and_reused_ones_say_where_from():
    for concept in PROFILE["concepts"]:
        if concept["id"].startswith(BASE):
            assert concept["id"].startswith(f"{BASE}/xapi/profile/")
            assert "scopeNote" not in concept
        else:
            assert concept["id"].startswith(("http://adlnet.gov/", "https://w3id.org/xapi/tla/"))
            assert "Defined by" in concept["scopeNote"]["en"]


def test_extension_concepts_carry_a_json_schema():
    extensions = [c for c in PROFILE["concepts"] if c["type"].endswith("Extension")]
    assert extensions
    for concept in extensions:
        assert isinstance(json.loads(concept["inlineSchema"]), dict)


def test_ids_are_unique_across_concepts_templates_and_patterns():
    every = [i["id"] for i in PROFILE["concepts"] + PROFILE["templates"] + PROFILE["patterns"]]
    assert len(every) == len(set(every))


def test_one_template_per_verb_and_object_type():
    pairs = [(t["verb"], t.get("objectActivityType")) for t in PROFILE["templates"]]
    assert len(pairs) == len(set(pairs)) == 16  # 15 kinds, and voiding (a StatementRef object)


def test_every_template_forbids_version_and_email_and_rules_have_a_presence():
    for template in PROFILE["templates"]:
        rules = {r["location"]: r for r in template["rules"]}
        assert rules["$.version"]["presence"] == "excluded"
        assert rules["$.actor.mbox"]["presence"] == "excluded"
        assert "$.context.registration" in rules
        for rule in template["rules"]:
            assert rule.get("presence") in {"included", "excluded", "recommended"}
            evaluate(rule["location"], {})  # parses


def test_patterns_reference_only_existing_templates_and_patterns():
    bodies = ("sequence", "alternates", "optional", "oneOrMore", "zeroOrMore")
    for pattern in PROFILE["patterns"]:
        (body,) = [key for key in bodies if key in pattern]
        members = pattern[body] if isinstance(pattern[body], list) else [pattern[body]]
        for member in members:
            assert member in TEMPLATES or member in PATTERNS
            if body == "alternates" and member in PATTERNS:
                assert not {"optional", "zeroOrMore"} & set(PATTERNS[member])


def test_exactly_one_primary_pattern_from_initialized_to_completed():
    (primary,) = [p for p in PROFILE["patterns"] if p.get("primary")]
    templates = [m.rsplit("/", 1)[1] for m in primary["sequence"] if m in TEMPLATES]
    assert templates == ["initialized", "completed"]


def test_profile_follows_the_base_url_it_is_built_for():
    other = build_profile("https://other.example/lp")
    assert other["id"] == "https://other.example/lp/xapi/profile"
    assert "leadpath.example.ac.uk" not in json.dumps(other)


STATEMENT = {
    "actor": {"account": {"name": "x"}},
    "context": {
        "extensions": {"https://e.example/a|b": 1},
        "contextActivities": {
            "grouping": [{"definition": {"type": "t1"}}, {"definition": {"type": "t2"}}],
            "parent": [{"id": "p"}],
        },
    },
}


@pytest.mark.parametrize(
    ("location", "values", "unmatchable"),
    [
        ("$.actor.account.name", ["x"], False),
        ("$.actor.mbox", [], True),
        ("$.context.contextActivities.grouping[*].definition.type", ["t1", "t2"], False),
        ("$.context.contextActivities.grouping[1].definition.type", ["t2"], False),
        ("$.context.contextActivities.parent[*].definition.type", [], True),
        ("$.context.contextActivities.other[*].id", [], True),
        ("$.context.extensions['https://e.example/a|b']", [1], False),
        ('$.context.extensions["https://e.example/a|b"]', [1], False),
        ("$.actor.account.name | $.actor.mbox", ["x"], True),
        ("$.context.contextActivities.*[*].id", ["p"], True),
    ],
)
def test_jsonpath_subset_finds_values_and_unmatchable_branches(location, values, unmatchable):
    assert evaluate(location, STATEMENT) == (values, unmatchable)


@pytest.mark.parametrize("location", ["actor.name", "$..name", "$.a[?(@.b)]", "$.a[1:2]"])
def test_jsonpath_outside_the_subset_is_refused(location):
    with pytest.raises(JSONPathError):
        evaluate(location, STATEMENT)
