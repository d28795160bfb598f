"""Key rotation seen by a running server and a platform that caches leadpath's keyset.

leadpath is served on loopback from its own data directory; the platform's token endpoint
(tests/support/gradebook_platform.py) fetches the tool's JWKS over HTTP, caches it, and fetches
it again only for a key id it does not know, as platforms do. Rotation and retirement go
through the `leadpath keys` commands while the server runs; nothing is restarted.
"""

from __future__ import annotations

import socket
import time

import pytest
import requests
from click.testing import CliRunner

from lti_tool.grades.queue import SCORE_SCOPE
from lti_tool.grades.token import TokenClient, TokenTarget
from lti_tool.signing_keys import read_schedules
from tests.support.gradebook_platform import Gradebook
from tests.support.loopback import serve_wsgi


@pytest.fixture
def served(make_app, tmp_path):
    """leadpath on loopback with a data directory of its own, re-reading keys every 0.2 s."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data_dir = tmp_path / "var"
    app = make_app(
        base_url=f"http://127.0.0.1:{port}", data_dir=str(data_dir), key_reload_seconds=0.2
    )
    with serve_wsgi(app, port) as base:
        yield app, base, data_dir


def keys_command(data_dir, *args, **env) -> str:
    from lti_tool.cli import build

    result = CliRunner().invoke(
        build(), ["keys", *args], env={"LEADPATH_DATA_DIR": str(data_dir), **env}
    )
    assert result.exit_code == 0, result.output
    return result.output


def published(base: str) -> list[str]:
    return [k["kid"] for k in requests.get(base + "/lti/jwks", timeout=5).json()["keys"]]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the running server did not follow in time"
        time.sleep(0.05)


def token_request(app, gradebook) -> None:
    """Ask the platform for an AGS token, as the grade sender does (no cached token)."""
    keys = app.extensions["leadpath.keys"]
    client = TokenClient(requests.Session(), lambda: keys, (2, 2))
    client.token(TokenTarget(1, gradebook.client_id, gradebook.token_url), (SCORE_SCOPE,))


def test_rotation_and_retirement_reach_a_running_server_and_a_caching_platform(served, unique):
    app, base, data_dir = served
    [first] = published(base)
    with Gradebook(None, f"client-{unique}", jwks_url=base + "/lti/jwks") as platform:
        token_request(app, platform)
        assert (platform.assertion_kids, platform.jwks_fetches) == ([first], 1)

        keys_command(data_dir, "rotate", LEADPATH_KEY_GRACE_SECONDS="3")
        [new] = [s.kid for s in read_schedules(data_dir / "keys") if s.kid != first]
        wait_for(lambda: published(base) == [new, first])
        # During the grace period the old key signs, and the platform's cached copy verifies it.
        token_request(app, platform)
        assert (platform.assertion_kids[-1], platform.jwks_fetches) == (first, 1)
        # A platform that fetches the keyset now already finds the next key in it.
        fresh = Gradebook(None, platform.client_id, jwks_url=base + "/lti/jwks")
        fresh.key_for(new)
        assert set(fresh.keys) == {new, first}
        fresh.server.server_close()

        wait_for(lambda: app.extensions["leadpath.keys"].active.kid == new)
        token_request(app, platform)
        assert (platform.assertion_kids[-1], platform.jwks_fetches) == (new, 2)
        assert platform.refusals == []

        keys_command(data_dir, "retire")
        wait_for(lambda: published(base) == [new])
        token_request(app, platform)
        assert platform.assertion_kids[-1] == new
    assert not (data_dir / "keys" / "tool-0001.pem").exists()


def test_a_replaced_key_leaves_the_served_keyset_after_the_retire_period(served):
    app, base, data_dir = served
    [first] = published(base)
    keys_command(
        data_dir, "rotate", LEADPATH_KEY_GRACE_SECONDS="1", LEADPATH_KEY_RETIRE_SECONDS="1"
    )
    wait_for(lambda: len(published(base)) == 2)
    [new] = [kid for kid in published(base) if kid != first]
    wait_for(lambda: published(base) == [new])
    assert app.extensions["leadpath.keys"].active.kid == new
