"""`leadpath serve` on a fresh data directory: keys made, database migrated, URLs printed."""

import html
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_learner_launch(base: str) -> str:
    browser = requests.Session()
    auth = browser.post(base + "/demo/start", data={"role": "learner"}, timeout=10)
    fields = {
        k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', auth.text)
    }
    return browser.post(base + "/lti/launch", data=fields, timeout=10).text


def _statements_reaching_the_embedded_lrs(base: str, leadpath: Path, env: dict) -> list:
    made = subprocess.run(
        [
            str(leadpath),
            "lrs",
            "credentials",
            "add",
            "--name",
            "reader",
            "--scopes",
            "statements/read",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    credential = json.loads(made.stdout)
    deadline = time.monotonic() + 30
    while True:
        answer = requests.get(
            base + "/xapi/statements",
            timeout=5,
            auth=(credential["key"], credential["secret"]),
            headers={"X-Experience-API-Version": "1.0.3"},
        )
        statements = answer.json()["statements"]
        if statements or time.monotonic() > deadline:
            return statements
        time.sleep(0.5)


def test_serve_creates_keys_migrates_prints_the_urls_and_answers(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update(
        {
            "LEADPATH_DATA_DIR": str(tmp_path / "var"),
            "LEADPATH_BASE_URL": base,
            "LEADPATH_DEMO": "true",
            "LEADPATH_LOG_LEVEL": "WARNING",
        }
    )
    leadpath = Path(sys.executable).parent / "leadpath"
    server = subprocess.Popen(
        [str(leadpath), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        health = requests.get(base + "/healthz", timeout=5)
        demo = requests.get(base + "/demo", timeout=5)
        jwks = requests.get(base + "/lti/jwks", timeout=5).json()
        landed = _demo_learner_launch(base)
        found = _statements_reaching_the_embedded_lrs(base, leadpath, env)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert health.status_code == 200 and demo.status_code == 200
    assert "Hello, Alex Morgan" in landed
    # The forwarder thread of the serving worker delivered the launch to the embedded LRS.
    assert [s["verb"]["id"] for s in found] == ["http://adlnet.gov/expapi/verbs/launched"]
    assert jwks["keys"][0]["kty"] == "RSA"
    for line in (
        f"Initiate login URL             {base}/lti/login",
        f"Tool URL / target link URI     {base}/lti/launch",
        f"Public keyset URL (JWKS)       {base}/lti/jwks",
        f"Dynamic registration URL       {base}/lti/register",
        f"Demo platform (launch leadpath without an LMS): {base}/demo",
    ):
        assert line in output
    key = tmp_path / "var" / "keys" / "tool-0001.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "var" / "leadpath.db").exists()
