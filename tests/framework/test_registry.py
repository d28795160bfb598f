import json

import pytest

from framework.loader import DATA_DIR, bundled, load_framework_text
from framework.registry import (
    FrameworkRegistry,
    FrameworkVersion,
    VersionConflictError,
    content_hash,
)


@pytest.fixture
def lf_text():
    return (DATA_DIR / "lf-2011.json").read_text()


def edited(text, version="2011.2", new_text="Introduces themselves to the wider team."):
    document = json.loads(text)
    document["version"] = version
    document["domains"][1]["elements"][0]["indicators"][0]["text"] = new_text
    return json.dumps(document)


def test_version_of_a_bundled_framework():
    version = FrameworkVersion.of(bundled("lf-2011"))
    assert (version.id, version.version) == ("lf-2011", "2011.1")
    assert version.content_hash.startswith("sha256:") and len(version.content_hash) == 71
    assert len(version.short_hash) == 12


def test_new_edition_with_edited_text_validates_and_has_a_different_hash(lf_text):
    original = load_framework_text(lf_text, "lf-2011.json")
    new = load_framework_text(edited(lf_text), "lf-2011-v2.json")
    assert new.element("working-with-others/developing-networks").indicators[0].text == (
        "Introduces themselves to the wider team."
    )
    assert new.content_hash != original.content_hash
    assert FrameworkVersion.of(new) != FrameworkVersion.of(original)


def test_hash_ignores_layout_key_order_and_schema_hint(lf_text):
    document = json.loads(lf_text)
    compact = json.dumps(document, separators=(",", ":"))
    reordered = json.dumps(dict(reversed(list(document.items()))), indent=4)
    hinted = json.dumps({"$schema": "../schema/framework.schema.json"} | document)
    hashes = {
        load_framework_text(t, "x.json").content_hash for t in (lf_text, compact, reordered, hinted)
    }
    assert hashes == {content_hash(document)}


def test_registry_keeps_past_versions_for_past_attempts(lf_text):
    registry = FrameworkRegistry()
    v1 = registry.register(load_framework_text(lf_text, "lf.json"))
    v2 = registry.register(load_framework_text(edited(lf_text), "lf2.json"))
    assert registry.versions("lf-2011") == [v1, v2]
    assert registry.get("lf-2011").version == "2011.2"
    old = registry.get("lf-2011", v1.content_hash)
    assert (
        old.element("working-with-others/developing-networks")
        .indicators[0]
        .text.startswith("Introduces themselves to colleagues")
    )
    assert registry.latest()["lf-2011"].content_hash == v2.content_hash


def test_registering_the_same_content_twice_is_idempotent(lf_text):
    registry = FrameworkRegistry()
    first = registry.register(load_framework_text(lf_text, "a.json"))
    assert registry.register(load_framework_text(lf_text, "b.json")) == first
    assert len(registry.versions("lf-2011")) == 1


def test_edited_content_under_an_existing_version_label_is_refused(lf_text):
    registry = FrameworkRegistry()
    registry.register(load_framework_text(lf_text, "a.json"))
    with pytest.raises(VersionConflictError, match="'2011.1' is already registered"):
        registry.register(load_framework_text(edited(lf_text, version="2011.1"), "b.json"))


def test_unknown_framework_or_version_raises_key_error():
    registry = FrameworkRegistry()
    with pytest.raises(KeyError):
        registry.get("lf-2011")
    registry.register(bundled("lf-2011"))
    with pytest.raises(KeyError):
        registry.get("lf-2011", "sha256:0")
