"""The tool's key pairs: created 0600, published, rotated on a schedule every process follows."""

import json
import logging
import stat
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner

from lti_tool.models import utcnow
from lti_tool.signing_keys import (
    ToolKeys,
    ensure_private_key,
    ensure_tool_key,
    read_schedules,
    retire_replaced_keys,
    rotate_tool_key,
)

HOUR = 3600


def kids(keys: ToolKeys) -> list[str]:
    return [k["kid"] for k in keys.jwks()["keys"]]


@pytest.fixture
def keys_dir(tmp_path):
    path = tmp_path / "keys"
    ensure_tool_key(path)
    return path


def test_key_pair_is_created_once_with_private_file_mode_0600(tmp_path):
    assert ensure_tool_key(tmp_path / "keys") is True
    assert ensure_tool_key(tmp_path / "keys") is False
    private = tmp_path / "keys" / "tool-0001.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    [schedule] = read_schedules(tmp_path / "keys")
    assert schedule.signs_from is not None and schedule.retired_at is None


def test_jwks_endpoint_publishes_only_public_key_material(client):
    for path in ("/lti/jwks", "/.well-known/jwks.json"):
        keys = client.get(path).get_json()["keys"]
        assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" for k in keys)
        assert all(not {"d", "p", "q", "dp", "dq", "qi"} & set(k) for k in keys)


def test_a_rotated_key_is_published_at_once_and_signs_only_after_the_grace_period(keys_dir):
    first = ToolKeys(keys_dir).active.kid
    new, [replaced] = rotate_tool_key(keys_dir, grace_seconds=HOUR, retire_seconds=HOUR)
    keys = ToolKeys(keys_dir)
    assert kids(keys) == [new.kid, first]
    assert keys.active.kid == first
    assert replaced.kid == first
    assert replaced.retired_at == new.signs_from + timedelta(seconds=HOUR)


def test_after_the_grace_period_the_new_key_signs_and_the_old_still_verifies(keys_dir):
    first = ToolKeys(keys_dir).active.kid
    ninety_minutes_ago = utcnow() - timedelta(minutes=90)
    new, _ = rotate_tool_key(keys_dir, HOUR, HOUR, now=ninety_minutes_ago)
    keys = ToolKeys(keys_dir)
    assert keys.active.kid == new.kid
    assert kids(keys) == [new.kid, first]  # leaves the keyset 30 minutes from now


def test_a_replaced_key_leaves_the_keyset_by_itself_after_the_retire_period(keys_dir):
    three_hours_ago = utcnow() - timedelta(hours=3)
    new, _ = rotate_tool_key(keys_dir, HOUR, HOUR, now=three_hours_ago)
    keys = ToolKeys(keys_dir)
    assert kids(keys) == [new.kid]
    assert keys.active.kid == new.kid


def test_retire_removes_replaced_keys_and_deletes_their_private_files(keys_dir):
    two_hours_ago = utcnow() - timedelta(hours=2)
    new, [old] = rotate_tool_key(keys_dir, HOUR, 30 * 24 * HOUR, now=two_hours_ago)
    assert kids(ToolKeys(keys_dir)) == [new.kid, old.kid]
    signing, retired = retire_replaced_keys(keys_dir)
    assert signing.kid == new.kid and [r.kid for r in retired] == [old.kid]
    assert kids(ToolKeys(keys_dir)) == [new.kid]
    assert not (keys_dir / "tool-0001.pem").exists()
    assert json.loads((keys_dir / "tool-0001.json").read_text())["retired_at"]


def test_retire_leaves_the_signing_key_alone_during_the_grace_period(keys_dir):
    first = ToolKeys(keys_dir).active.kid
    new, _ = rotate_tool_key(keys_dir, HOUR, HOUR)
    signing, retired = retire_replaced_keys(keys_dir)
    assert signing.kid == first and retired == []
    assert kids(ToolKeys(keys_dir)) == [new.kid, first]


def test_a_running_key_set_follows_a_rotation_without_being_rebuilt(keys_dir):
    keys = ToolKeys(keys_dir, reload_seconds=0.2)
    first = keys.active.kid
    new, _ = rotate_tool_key(keys_dir, grace_seconds=1, retire_seconds=1)
    deadline = time.monotonic() + 5
    while kids(keys) != [new.kid, first]:
        assert time.monotonic() < deadline, kids(keys)
        time.sleep(0.05)
    assert keys.active.kid == first
    while keys.active.kid != new.kid:
        assert time.monotonic() < deadline + 2
        time.sleep(0.05)
    while kids(keys) != [new.kid]:
        assert time.monotonic() < deadline + 4
        time.sleep(0.05)


def test_keys_made_before_schedules_keep_signing_from_the_start(tmp_path):
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    ensure_private_key(keys_dir / "tool-0001.pem")
    ensure_private_key(keys_dir / "tool-0002.pem")
    keys = ToolKeys(keys_dir)
    older, newer = read_schedules(keys_dir)
    assert keys.active.kid == newer.kid
    assert kids(keys) == [newer.kid, older.kid]
    assert ensure_tool_key(keys_dir) is False
    assert (keys_dir / "tool-0001.json").exists() and (keys_dir / "tool-0002.json").exists()


def test_a_machine_missing_the_scheduled_key_signs_with_one_it_has(keys_dir, caplog):
    first = ToolKeys(keys_dir).active.kid
    rotate_tool_key(keys_dir, 0, HOUR)
    (keys_dir / "tool-0002.pem").unlink()
    caplog.set_level(logging.WARNING, logger="lti_tool.signing_keys")
    keys = ToolKeys(keys_dir)
    assert keys.active.kid == first
    assert "missing here" in caplog.text


def _cli(keys_dir, *args, **env):
    from lti_tool.cli import build

    environ = {"LEADPATH_DATA_DIR": str(keys_dir.parent), **env}
    return CliRunner().invoke(build(), ["keys", *args], env=environ)


def test_keys_rotate_list_and_retire_from_the_command_line(keys_dir):
    first = ToolKeys(keys_dir).active.kid
    rotated = _cli(keys_dir, "rotate", "--json", LEADPATH_KEY_GRACE_SECONDS="0")
    assert rotated.exit_code == 0, rotated.output
    new = json.loads(rotated.output)["new"]
    listed = json.loads(_cli(keys_dir, "list", "--json").output)
    assert [(k["kid"], k["state"]) for k in listed] == [
        (first, "published, replaced"),
        (new["kid"], "signing"),
    ]
    retired = _cli(keys_dir, "retire")
    assert retired.exit_code == 0
    assert f"Retired key {first}" in retired.output
    assert kids(ToolKeys(keys_dir)) == [new["kid"]]


def test_keys_rotate_says_when_the_new_key_signs_and_retire_waits_for_it(keys_dir):
    first = ToolKeys(keys_dir).active.kid
    rotated = _cli(keys_dir, "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "leadpath signs with it from" in rotated.output
    assert "no restart is needed" in rotated.output
    waiting = _cli(keys_dir, "retire")
    assert waiting.exit_code == 0
    assert f"key {first} keeps signing until then" in waiting.output
    assert "0 key(s) retired." in waiting.output
    at_once = _cli(keys_dir, "rotate", "--now", "--json")
    assert json.loads(at_once.output)["new"]["kid"] == ToolKeys(keys_dir).active.kid
