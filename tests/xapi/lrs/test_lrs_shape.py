from xapi.lrs import shape

BASE = {
    "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "actor": {"objectType": "Agent", "name": "A", "mbox": "mailto:a@example.org"},
    "verb": {"id": "https://example.org/v", "display": {"en-GB": "did", "fr": "a fait"}},
    "object": {"id": "https://example.org/a", "definition": {"name": {"en": "A"}}},
    "context": {"registration": "3F2504E0-4F89-41D3-9A0C-0305E82C3302"},
    "timestamp": "2024-05-01T12:00:00Z",
}


def test_lrs_set_properties_and_formats_are_ignored_when_comparing():
    held = {
        **BASE,
        "stored": "2024-05-01T12:00:01Z",
        "authority": {"mbox": "mailto:x@y.z"},
        "version": "1.0.0",
        "timestamp": "2024-05-01T13:00:00+01:00",
        "context": {"registration": BASE["context"]["registration"].lower()},
    }
    held["verb"] = {"id": BASE["verb"]["id"], "display": {"EN-gb": "did", "fr": "a fait"}}
    assert shape.equivalent(BASE, held)


def test_a_different_timestamp_or_result_is_a_difference():
    assert not shape.equivalent(
        {**BASE, "timestamp": "2024-05-01T12:00:01Z"}, {**BASE, "stored": "x"}
    )
    assert not shape.equivalent({**BASE, "result": {"success": True}}, BASE)


def test_an_lrs_assigned_timestamp_is_ignored():
    held = {**BASE, "stored": "2024-05-02T00:00:00Z", "timestamp": "2024-05-02T00:00:00Z"}
    incoming = {k: v for k, v in BASE.items() if k != "timestamp"}
    assert shape.equivalent(incoming, held)


def test_ids_format_keeps_identifiers_only():
    out = shape.to_ids(
        {
            **BASE,
            "authority": {
                "objectType": "Group",
                "member": [
                    {"name": "x", "mbox": "mailto:x@y.z"},
                    {"name": "y", "openid": "https://y"},
                ],
            },
        }
    )
    assert out["actor"] == {"objectType": "Agent", "mbox": "mailto:a@example.org"}
    assert out["object"] == {"id": "https://example.org/a"}
    assert out["authority"]["member"][0] == {"objectType": "Agent", "mbox": "mailto:x@y.z"}


def test_canonical_format_uses_the_lrs_definition_and_one_language():
    canon = {"https://example.org/a": {"name": {"en": "Canon", "fr": "Canon FR"}}}
    out = shape.to_canonical(BASE, canon, ["fr-CA"])
    assert out["object"]["definition"]["name"] == {"fr": "Canon FR"}
    assert out["verb"]["display"] == {"fr": "a fait"}
    assert shape.pick_language({"de": "x", "en": "y"}, []) == {"de": "x"}
