"""leadpath's own processes on loopback: `leadpath serve` and `leadpath forwarder`, as deployed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.loopback import wait_until_answering

LEADPATH = Path(sys.executable).parent / "leadpath"


def free_port() -> int:
    """Return a loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def leadpath_env(**settings: str) -> dict:
    """Return this environment without LEADPATH_ variables, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.setdefault("LEADPATH_LOG_LEVEL", "WARNING")
    env.update({f"LEADPATH_{name.upper()}": value for name, value in settings.items()})
    return env


class Process:
    """A `leadpath …` process in its own session, its output in a file (a full pipe stalls it)."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        with open(log, "w") as out:
            self.popen = subprocess.Popen(
                [str(LEADPATH), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        """Return the process id (gunicorn's master, for `serve`)."""
        return self.popen.pid

    def output(self) -> str:
        """Return what the process has written so far."""
        return self.log.read_text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        """Signal the whole process group and wait; kill it if it outlasts the timeout."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.popen.wait(timeout)


def serve(env: dict, log: Path, port: int, workers: int = 1) -> Process:
    """Start `leadpath serve --no-migrate` on 127.0.0.1:port and wait until it is ready."""
    server = Process(
        ["serve", "--no-migrate", "--port", str(port), "--workers", str(workers)], env, log
    )
    if not wait_until_answering(f"http://127.0.0.1:{port}/healthz/ready", server.popen):
        server.stop()
        raise AssertionError(f"leadpath serve never became ready:\n{server.output()}")
    return server
