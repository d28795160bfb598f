import copy

import pytest

from xapi.lrs.errors import Invalid
from xapi.lrs.validate import normalize, validate_statement, validate_statements

BASE = {
    "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "actor": {"mbox": "mailto:learner@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-GB": "answered"}},
    "object": {"id": "https://example.org/q1"},
}


def with_change(path: str, value):
    statement = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = statement
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return statement


DELETE = object()
SUB = {
    "objectType": "SubStatement",
    "actor": {"mbox": "mailto:a@example.org"},
    "verb": {"id": "https://example.org/v"},
    "object": {"id": "https://example.org/a"},
}


def test_a_minimal_statement_is_valid():
    validate_statement(copy.deepcopy(BASE))


def test_a_complete_statement_is_valid():
    statement = copy.deepcopy(BASE)
    statement.update(
        {
            "result": {
                "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
                "success": True,
                "completion": False,
                "response": "x",
                "duration": "PT2M",
                "extensions": {"https://example.org/ext": None},
            },
            "context": {
                "registration": "3f2504e0-4f89-41d3-9a0c-0305e82c3302",
                "instructor": {"account": {"homePage": "https://lms", "name": "t"}},
                "team": {"objectType": "Group", "member": [{"mbox": "mailto:b@x.org"}]},
                "contextActivities": {
                    "parent": {"id": "https://example.org/p"},
                    "grouping": [{"id": "https://example.org/c"}],
                },
                "revision": "2",
                "platform": "leadpath",
                "language": "en-GB",
                "statement": {
                    "objectType": "StatementRef",
                    "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3303",
                },
                "extensions": {"https://example.org/e": {"any": [1, None]}},
            },
            "timestamp": "2024-05-01T12:00:00.000Z",
            "version": "1.0.3",
            "attachments": [
                {
                    "usageType": "https://example.org/u",
                    "display": {"en": "file"},
                    "contentType": "text/plain",
                    "length": 3,
                    "sha2": "a" * 64,
                    "fileUrl": "https://example.org/f",
                }
            ],
        }
    )
    validate_statement(statement)


@pytest.mark.parametrize(
    "path,value,field",
    [
        ("id", "not-a-uuid", "statement.id"),
        ("actor", DELETE, "statement.actor"),
        ("verb", DELETE, "statement.verb"),
        ("object", DELETE, "statement.object"),
        ("unknown", 1, "statement.unknown"),
        ("verb.id", "answered", "statement.verb.id"),
        ("verb.display", {"en_US": "x"}, "statement.verb.display.en_US"),
        ("verb.display", {"en": 5}, "statement.verb.display.en"),
        ("verb.extra", 1, "statement.verb.extra"),
        ("object.id", "q1", "statement.object.id"),
        ("object.objectType", "Thing", "statement.object.objectType"),
        ("timestamp", "2024-05-01T12:00:00", "statement.timestamp"),
        ("stored", "yesterday", "statement.stored"),
        ("version", "0.95", "statement.version"),
        ("result.score", {"scaled": 1.5}, "statement.result.score.scaled"),
        ("result.score", {"raw": 11, "min": 0, "max": 10}, "statement.result.score.raw"),
        ("result.score", {"raw": -1, "min": 0, "max": 10}, "statement.result.score.raw"),
        ("result.score", {"min": 10, "max": 10}, "statement.result.score.max"),
        ("result.score", {"raw": "5"}, "statement.result.score.raw"),
        ("result.success", "yes", "statement.result.success"),
        ("result.completion", 1, "statement.result.completion"),
        ("result.duration", "2 minutes", "statement.result.duration"),
        ("result.extensions", {"not-iri": 1}, "statement.result.extensions.not-iri"),
        ("result.response", 5, "statement.result.response"),
        ("context.registration", "abc", "statement.context.registration"),
        ("context.team", {"mbox": "mailto:t@x.org"}, "statement.context.team"),
        (
            "context.contextActivities",
            {"sibling": []},
            "statement.context.contextActivities.sibling",
        ),
        (
            "context.contextActivities",
            {"parent": {"id": "p"}},
            "statement.context.contextActivities.parent.id",
        ),
        ("context.language", "en_GB", "statement.context.language"),
        (
            "context.statement",
            {"objectType": "Activity", "id": "https://x"},
            "statement.context.statement",
        ),
        ("context.revision", 2, "statement.context.revision"),
        (
            "authority",
            {"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]},
            "statement.authority.member",
        ),
        ("attachments", {}, "statement.attachments"),
        ("context.extensions", [], "statement.context.extensions"),
    ],
)
def test_invalid_statements_are_refused_naming_the_field(path, value, field):
    with pytest.raises(Invalid) as caught:
        validate_statement(with_change(path, value))
    assert caught.value.field == field
    assert caught.value.message.startswith(field)


def test_null_values_are_refused_outside_extensions():
    with pytest.raises(Invalid, match="statement.result.response: must not be null"):
        validate_statement(with_change("result.response", None))


@pytest.mark.parametrize(
    "target",
    [
        {"mbox": "mailto:x@example.org", "objectType": "Agent"},
        {"objectType": "StatementRef", "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
        SUB,
    ],
)
def test_revision_and_platform_are_only_for_activity_objects(target):
    statement = with_change("object", target)
    statement["context"] = {"platform": "leadpath"}
    with pytest.raises(Invalid, match="statement.context.platform"):
        validate_statement(statement)


def test_a_substatement_may_not_nest_or_carry_id_stored_version_authority():
    nested = dict(SUB, object=dict(SUB))
    with pytest.raises(Invalid, match="statement.object.object.objectType"):
        validate_statement(with_change("object", nested))
    for key in ("id", "stored", "version", "authority"):
        with pytest.raises(Invalid, match=f"statement.object.{key}"):
            validate_statement(with_change("object", dict(SUB, **{key: "x"})))


def test_a_substatement_is_validated_like_a_statement():
    with pytest.raises(Invalid, match="statement.object.verb.id"):
        validate_statement(with_change("object", dict(SUB, verb={"id": "nope"})))


def test_a_voiding_statement_must_target_a_statement_ref():
    statement = with_change("verb.id", "http://adlnet.gov/expapi/verbs/voided")
    with pytest.raises(Invalid, match="statement.object: must be a StatementRef"):
        validate_statement(statement)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"usageType": "x"}, "usageType"),
        ({"display": "file"}, "display"),
        ({"contentType": "text"}, "contentType"),
        ({"length": -1}, "length"),
        ({"length": "3"}, "length"),
        ({"sha2": "xyz"}, "sha2"),
        ({"usageType": "http://adlnet.gov/expapi/attachments/signature"}, "contentType"),
    ],
)
def test_attachment_metadata_is_checked(change, field):
    attachment = {
        "usageType": "https://example.org/u",
        "display": {"en": "f"},
        "contentType": "text/plain",
        "length": 3,
        "sha2": "a" * 64,
    }
    attachment.update(change)
    with pytest.raises(Invalid) as caught:
        validate_statement(with_change("attachments", [attachment]))
    assert caught.value.field == f"statement.attachments[0].{field}"


def test_a_batch_error_names_the_statement_index():
    bad = with_change("verb.id", "nope")
    with pytest.raises(Invalid, match=r"^statement\[1\]\.verb\.id"):
        validate_statements([copy.deepcopy(BASE), bad])


def test_normalize_turns_single_context_activities_into_arrays():
    statement = with_change("context.contextActivities", {"parent": {"id": "https://x"}})
    assert normalize(statement)["context"]["contextActivities"]["parent"] == [{"id": "https://x"}]
