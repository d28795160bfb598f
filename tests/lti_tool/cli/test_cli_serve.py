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
import threading
import time
from pathlib import Path

import requests

from tests.support.loopback import wait_until_answering


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_learner_launch(base: str) -> str:
    browser = requests.Session()
    auth = browser.post(base + "/demo/start", data={"role": "learner"}, timeout=30)
    fields = {
        k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', auth.text)
    }
    return browser.post(base + "/lti/launch", data=fields, timeout=30).text


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
            timeout=30,
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
    # Its output goes to a file: a pipe nobody reads while the test runs could fill and stall it.
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(leadpath), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready = wait_until_answering(base + "/healthz", server)
        if ready:
            health = requests.get(base + "/healthz", timeout=30)
            demo = requests.get(base + "/demo", timeout=30)
            jwks = requests.get(base + "/lti/jwks", timeout=30).json()
            landed = _demo_learner_launch(base)
            found = _statements_reaching_the_embedded_lrs(base, leadpath, env)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    output = log_path.read_text()
    assert ready, f"leadpath serve never answered /healthz:\n{output}"
    assert health.status_code == 200 and demo.status_code == 200
    assert "Hello, Alex Morgan" in landed
    # The forwarder thread of the serving worker delivered the launch to the embedded LRS.
    assert [s["verb"]["id"] for s in found] == ["http://adlnet.gov/expapi/verbs/launched"]
    assert jwks["keys"][0]["kty"] == "RSA"
    for line in (
        f"Initiate login URL             {base}/lti/login",
        f"Tool URL / target link URI     {base}/lti/launch",
        f"Public keyset URL (JWKS)       {base}/lti/jwks",
        "For dynamic registration, run `leadpath platform invite`",
        f"Demo platform (launch leadpath without an LMS): {base}/demo",
    ):
        assert line in output
    # The LRS browser's demo sign-in is printed, and it is the one /demo shows.
    printed = re.search(r"LRS browser: (\S+) — sign in as (\S+) with the password (\S+) ", output)
    assert printed and printed[1] == f"{base}/admin/lrs" and printed[2] == "demo-admin"
    assert f"<code>{printed[3]}</code>" in demo.text
    key = tmp_path / "var" / "keys" / "tool-0001.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "var" / "leadpath.db").exists()


def test_waiting_for_a_server_outlasts_one_that_listens_before_it_answers():
    """The first connection is accepted but not answered in time, as while a worker boots."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        silent, _ = listener.accept()  # held without an answer: the probe's read times out
        time.sleep(1.5)
        silent.close()
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    threading.Thread(target=serve, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert wait_until_answering(url, timeout=20, probe=(1, 0.5))
    finally:
        listener.close()


def test_waiting_for_a_server_stops_when_it_exits():
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    started = time.monotonic()
    url = f"http://127.0.0.1:{_free_port()}/healthz"
    assert not wait_until_answering(url, exited, timeout=600)
    assert time.monotonic() - started < 60  # it did not wait out its ten minutes


def _start_serving(tmp: Path, name: str, home: Path) -> tuple[subprocess.Popen, str, Path]:
    """Start `leadpath serve` with its own data directory; return (process, base URL, data dir)."""
    port = _free_port()
    data = tmp / name
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.pop("XDG_RUNTIME_DIR", None)  # gunicorn's default would then be ~/.gunicorn/gunicorn.ctl
    env.update(
        {
            "HOME": str(home),
            "LEADPATH_DATA_DIR": str(data),
            "LEADPATH_BASE_URL": f"http://127.0.0.1:{port}",
            "LEADPATH_LOG_LEVEL": "WARNING",
        }
    )
    leadpath = Path(sys.executable).parent / "leadpath"
    with open(tmp / f"{name}.log", "w") as log:
        process = subprocess.Popen(
            [str(leadpath), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}", data


def _listening_on(control_socket: Path) -> list[str]:
    from gunicorn.ctl.client import ControlClient

    with ControlClient(str(control_socket), timeout=10) as client:
        return [x["address"] for x in client.send_command("show listeners")["listeners"]]


def test_two_instances_keep_their_own_control_sockets(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    first, first_url, first_data = _start_serving(tmp_path, "first", home)
    second, second_url, second_data = _start_serving(tmp_path, "second", home)
    try:
        assert wait_until_answering(first_url + "/healthz", first), (
            tmp_path / "first.log"
        ).read_text()
        assert wait_until_answering(second_url + "/healthz", second), (
            tmp_path / "second.log"
        ).read_text()
        sockets = {data: data / "gunicorn.ctl" for data in (first_data, second_data)}
        deadline = time.monotonic() + 30  # the socket opens once the first worker has started
        while not all(s.exists() for s in sockets.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for path in sockets.values():
            assert stat.S_ISSOCK(path.stat().st_mode), path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not (home / ".gunicorn").exists(), "nothing in the shared per-user place"
        # Each socket answers for its own instance.
        assert _listening_on(sockets[first_data]) == [first_url]
        assert _listening_on(sockets[second_data]) == [second_url]

        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=30)
        assert not sockets[first_data].exists()
        assert _listening_on(sockets[second_data]) == [second_url]
        assert requests.get(second_url + "/healthz", timeout=30).status_code == 200
    finally:
        for process in (first, second):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    first_log = (tmp_path / "first.log").read_text()
    assert f"Created the database at sqlite:///{first_data}/leadpath.db" in first_log


def test_the_gunicorn_config_file_puts_the_control_socket_in_the_data_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env["LEADPATH_DATA_DIR"] = str(tmp_path / "var")
    config = Path(__file__).resolve().parents[3] / "config" / "gunicorn.conf.py"
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "--print-config"],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip
    settings = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in printed.splitlines())
    )
    assert settings["control_socket"] == str(tmp_path / "var" / "gunicorn.ctl")
    assert settings["control_socket_mode"] == str(0o600)


def test_a_data_directory_too_deep_for_a_unix_socket_turns_the_socket_off(tmp_path):
    from lti_tool.server import control_settings

    deep = tmp_path / ("d" * 100)
    assert control_settings(deep) == {"control_socket_disable": True}
    assert control_settings(tmp_path)["control_socket"] == str(tmp_path / "gunicorn.ctl")
