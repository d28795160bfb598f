import pytest

from xapi.lrs import documents as d
from xapi.lrs.errors import BadRequest, Conflict, PreconditionFailed


@pytest.fixture
def scope(unique):
    return d.Scope("agent_profile", agent={"mbox": f"mailto:{unique}@example.org"})


def test_etag_is_the_quoted_sha1_of_the_content():
    assert d.etag_of(b"") == '"da39a3ee5e6b4b0d3255bfef95601890afd80709"'


def test_save_get_list_delete(engine, scope):
    etag = d.save_document(engine, scope, "p1", "application/json", b'{"a":1}')
    held = d.get_document(engine, scope, "p1")
    assert held.etag == etag and held.content == b'{"a":1}'
    assert d.list_ids(engine, scope) == ["p1"]
    assert d.list_ids(engine, scope, since_us=held.updated_us) == []
    d.delete_documents(engine, scope, "p1")
    assert d.get_document(engine, scope, "p1") is None


def test_preconditions():
    held = d.Doc("application/json", b"{}", '"abc"', 0)
    d.check_preconditions(held, '"abc"', None, require=True)
    d.check_preconditions(None, None, "*", require=True)
    with pytest.raises(PreconditionFailed):
        d.check_preconditions(held, '"other"', None, require=False)
    with pytest.raises(PreconditionFailed):
        d.check_preconditions(None, "*", None, require=False)
    with pytest.raises(PreconditionFailed):
        d.check_preconditions(held, None, "*", require=False)
    with pytest.raises(Conflict):
        d.check_preconditions(held, None, None, require=True)


def test_merge_needs_json_objects_on_both_sides(engine, scope):
    d.save_document(engine, scope, "m", "application/json", b'{"a":1}', merge=True)
    d.save_document(engine, scope, "m", "application/json", b'{"b":2}', merge=True)
    assert d.get_document(engine, scope, "m").content == b'{"a": 1, "b": 2}'
    with pytest.raises(BadRequest, match="posted document"):
        d.save_document(engine, scope, "m", "application/json", b"[1]", merge=True)
    d.save_document(engine, scope, "t", "text/plain", b"plain")
    with pytest.raises(BadRequest, match="Content-Type"):
        d.save_document(engine, scope, "m", "text/plain", b'{"c":3}', merge=True)
    with pytest.raises(BadRequest, match="stored document"):
        d.save_document(engine, scope, "t", "application/json", b"{}", merge=True)


def test_agents_with_the_same_identifier_share_documents(engine, unique):
    first = d.Scope("agent_profile", agent={"mbox": f"mailto:s-{unique}@x.org", "name": "A"})
    second = d.Scope(
        "agent_profile", agent={"objectType": "Agent", "mbox": f"mailto:s-{unique}@x.org"}
    )
    d.save_document(engine, first, "p", "text/plain", b"x")
    assert d.get_document(engine, second, "p").content == b"x"
