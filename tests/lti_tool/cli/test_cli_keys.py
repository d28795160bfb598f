"""`leadpath keys rotate|retire` against `leadpath serve` with two worker processes, unrestarted.

Each check asks the keyset 30 times on new connections, so both gunicorn workers answer
(the kernel spreads new connections over them); every answer must show the change.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.support.loopback import wait_until_answering

LEADPATH = Path(sys.executable).parent / "leadpath"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _every_worker_publishes(base: str, wanted: list[str], timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        answers = [
            [
                k["kid"]
                for k in requests.get(
                    base + "/lti/jwks", timeout=10, headers={"Connection": "close"}
                ).json()["keys"]
            ]
            for _ in range(30)
        ]
        if all(answer == wanted for answer in answers) or time.monotonic() > deadline:
            return answers[-1] if all(a == answers[-1] for a in answers) else answers
        time.sleep(0.2)


def _keys(env, *args) -> str:
    done = subprocess.run(
        [str(LEADPATH), "keys", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_serve_workers_follow_rotation_and_retirement_without_a_restart(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update(
        {
            "LEADPATH_DATA_DIR": str(tmp_path / "var"),
            "LEADPATH_BASE_URL": base,
            "LEADPATH_LOG_LEVEL": "WARNING",
            "LEADPATH_KEY_RELOAD_SECONDS": "1",
            "LEADPATH_FORWARDER_THREAD": "false",
        }
    )
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(LEADPATH), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_until_answering(base + "/healthz", server), log_path.read_text()
        [first] = [k["kid"] for k in requests.get(base + "/lti/jwks", timeout=10).json()["keys"]]
        rotated = json.loads(_keys({**env, "LEADPATH_KEY_GRACE_SECONDS": "5"}, "rotate", "--json"))
        new = rotated["new"]["kid"]
        assert _every_worker_publishes(base, [new, first]) == [new, first]
        signs_from = datetime.fromisoformat(rotated["new"]["signs_from"])
        time.sleep(max(0.0, (signs_from - datetime.now(UTC)).total_seconds()) + 0.1)
        assert f"Retired key {first}" in _keys(env, "retire")
        assert _every_worker_publishes(base, [new]) == [new]
        assert server.poll() is None  # the same server throughout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
