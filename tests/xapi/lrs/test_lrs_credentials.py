import pytest

from xapi.lrs import credentials as c


def test_a_created_key_verifies_and_its_secret_is_stored_hashed(engine):
    key, secret = c.create_credential(engine, "forwarder", ["statements/write"])
    row = next(r for r in c.list_credentials(engine) if r["key"] == key)
    assert row["scopes"] == "statements/write" and "secret_hash" not in row
    auth = c.Authenticator(engine, "https://leadpath.example")
    principal = auth.verify(key, secret)
    assert principal.can("statements/write") and not principal.can("statements/read")
    assert principal.authority["account"] == {"homePage": "https://leadpath.example", "name": key}
    assert auth.verify(key, secret + "x") is None


def test_a_cached_key_is_not_rehashed(engine, monkeypatch):
    key, secret = c.create_credential(engine, "cached", ["all"])
    auth = c.Authenticator(engine, "https://leadpath.example")
    assert auth.verify(key, secret)
    monkeypatch.setattr(c, "verify_secret", lambda *_: pytest.fail("hashed again"))
    assert auth.verify(key, secret)


def test_revoking_takes_effect_once_forgotten(engine):
    key, secret = c.create_credential(engine, "leaver", ["all"])
    auth = c.Authenticator(engine, "https://leadpath.example")
    assert auth.verify(key, secret)
    assert c.revoke_credential(engine, key) and not c.revoke_credential(engine, key)
    auth.forget(key)
    assert auth.verify(key, secret) is None


def test_scopes_are_parsed_and_checked():
    assert c.parse_scopes("statements/write, state") == ["statements/write", "state"]
    with pytest.raises(ValueError, match="unknown scope 'write'"):
        c.parse_scopes("write")
    with pytest.raises(ValueError):
        c.parse_scopes("")


def test_secret_hashes_are_salted():
    from xapi.lrs.secrets_hash import hash_secret, verify_secret

    first, second = hash_secret("s"), hash_secret("s")
    assert first != second and verify_secret("s", first) and not verify_secret("t", first)
    assert not verify_secret("s", "md5$abc")
