"""The tool's key pair: created with mode 0600, public parts published, rotation kept verifiable."""

import stat

from lti_tool.signing_keys import ToolKeys, ensure_tool_key, rotate_tool_key


def test_key_pair_is_created_once_with_private_file_mode_0600(tmp_path):
    assert ensure_tool_key(tmp_path / "keys") is True
    assert ensure_tool_key(tmp_path / "keys") is False
    private = tmp_path / "keys" / "tool-0001.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_jwks_endpoint_publishes_only_public_key_material(client):
    for path in ("/lti/jwks", "/.well-known/jwks.json"):
        keys = client.get(path).get_json()["keys"]
        assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" for k in keys)
        assert all(not {"d", "p", "q", "dp", "dq", "qi"} & set(k) for k in keys)


def test_rotation_signs_with_the_new_key_and_still_publishes_the_old(tmp_path):
    keys_dir = tmp_path / "keys"
    ensure_tool_key(keys_dir)
    first = ToolKeys(keys_dir).active.kid
    rotate_tool_key(keys_dir)
    rotated = ToolKeys(keys_dir)
    assert rotated.active.kid != first
    assert [k["kid"] for k in rotated.jwks()["keys"]] == [rotated.active.kid, first]
