"""A worker's memory stays flat: its threads share two malloc arenas and freed pages go back.

The settings are applied where a process starts (each gunicorn worker, `leadpath forwarder`),
never by building the app.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, os, sys, tempfile, threading
    from lti_tool import malloc

    if sys.argv[1] == "limit":
        assert malloc.limit_arenas(2)
    barrier = threading.Barrier(8)
    kept = []

    def work():
        barrier.wait()
        kept.append([bytearray(4096) for _ in range(64)])
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = tempfile.mktemp()
    fp = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print(open(path).read().count("<heap nr="))
    os.unlink(path)
    """
)


def _arenas_after_eight_threads(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_threads_share_two_arenas_once_limited():
    if not sys.platform.startswith("linux"):
        pytest.fail("leadpath's servers run on Linux with glibc; this test checks glibc's arenas")
    assert _arenas_after_eight_threads("default") > 2  # glibc's default: an arena per thread
    assert _arenas_after_eight_threads("limit") <= 2


TRIM_PROBE = textwrap.dedent(
    """
    import sys, time
    from lti_tool import malloc

    if sys.argv[1] == "trim":
        assert malloc.keep_memory_flat(0.2)
    chunks = [b"x" * 1000 + i.to_bytes(4, "big") for i in range(200_000)]
    kept = chunks[::64]  # a survivor every few pages keeps the heap from shrinking by itself
    del chunks
    time.sleep(1.0)
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            print(int(line.split()[1]) // 1024)
    """
)


def _resident_mb_after_freeing_200_mb(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_memory_freed_between_survivors_goes_back_to_the_system():
    kept = _resident_mb_after_freeing_200_mb("default")
    trimmed = _resident_mb_after_freeing_200_mb("trim")
    assert kept > 150  # without trimming the freed pages stay resident
    assert trimmed < kept / 2


LARGE_PROBE = textwrap.dedent(
    """
    import sys
    from lti_tool import malloc

    if sys.argv[1] == "flat":
        assert malloc.keep_memory_flat(3600)  # no trimming within the test: the threshold alone

    def resident_mb():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) // 1024

    before = resident_mb()
    for _ in range(3):  # as a scrypt check of an LRS secret does: 16 MB, used, freed
        block = bytearray(16 << 20)
        block[::4096] = b"x" * len(block[::4096])
        del block
        survivors = [bytes(100) + bytes([i % 256]) for i in range(1000)]
    print(resident_mb() - before)
    """
)


def _resident_growth_mb_after_three_16_mb_blocks(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", LARGE_PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_a_freed_16_mb_block_does_not_stay_resident():
    assert _resident_growth_mb_after_three_16_mb_blocks("default") >= 12  # glibc's own rule
    assert _resident_growth_mb_after_three_16_mb_blocks("flat") <= 4


# -- where the settings are applied: where a process starts, never by building the app -------

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _thread_names(pid: int) -> list[str]:
    """Return the names the system shows for a process's threads."""
    names = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            names.append(Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip())
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return names


def _children(pid: int) -> list[int]:
    found = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return found


def _env(tmp_path: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    env.update({"LEADPATH_DATA_DIR": str(tmp_path / "var"), "LEADPATH_LOG_LEVEL": "WARNING"})
    env.update(settings)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


APP_PROBE = textwrap.dedent(
    """
    import os, sys, time
    from lti_tool import create_app, schema

    url = "sqlite:///" + sys.argv[1]
    schema.upgrade(url)
    create_app({"database_url": url, "data_dir": os.path.dirname(sys.argv[1])})
    time.sleep(0.2)
    for tid in os.listdir("/proc/self/task"):
        print(open(f"/proc/self/task/{tid}/comm").read().strip())
    """
)


def test_building_the_app_leaves_the_process_settings_alone(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", APP_PROBE, str(tmp_path / "leadpath.db")],
        capture_output=True,
        text=True,
        check=True,
        env=_env(tmp_path),
    )
    assert "malloc-trim" not in out.stdout.split()


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextlib.contextmanager
def _serving(tmp_path: Path, how: str, **settings: str):
    """Start leadpath with one worker, deployed `how`; yield (gunicorn's arbiter, base URL)."""
    port = _free_port()
    env = _env(tmp_path, LEADPATH_BASE_URL=f"http://127.0.0.1:{port}", **settings)
    if how == "leadpath serve":
        command = [BIN / "leadpath", "serve", "--port", str(port), "--workers", "1"]
    else:
        subprocess.run([BIN / "leadpath", "db", "upgrade"], env=env, check=True, timeout=120)
        env.update(LEADPATH_BIND=f"127.0.0.1:{port}", LEADPATH_WORKERS="1")
        command = [BIN / "gunicorn", "-c", "config/gunicorn.conf.py"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(base), f"{how} to answer")
        yield server, base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


HOW = ["leadpath serve", "gunicorn -c config/gunicorn.conf.py"]


@pytest.mark.parametrize("how", HOW)
def test_each_serving_worker_applies_them_as_it_starts(tmp_path, how):
    with _serving(tmp_path, how) as (server, _):
        [worker] = _children(server.pid)
        _wait_for(lambda: "malloc-trim" in _thread_names(worker), "the worker's trim thread", 10)
        assert "malloc-trim" not in _thread_names(server.pid), "the arbiter serves nothing"


def test_the_forwarder_process_applies_them_and_says_why_it_sends_no_grades(tmp_path):
    env = _env(tmp_path)
    subprocess.run([BIN / "leadpath", "db", "upgrade"], env=env, check=True, timeout=120)
    forwarder = subprocess.Popen(
        [BIN / "leadpath", "forwarder"], env=env, stderr=subprocess.PIPE, text=True
    )
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(forwarder.stderr), daemon=True)
    reader.start()
    try:
        _wait_for(lambda: any("running" in line for line in said), "the forwarder to run")
        assert "malloc-trim" in _thread_names(forwarder.pid)
    finally:
        forwarder.send_signal(signal.SIGTERM)
        forwarder.wait(30)
        reader.join(5)
        forwarder.stderr.close()
    err = "".join(said)
    assert forwarder.returncode == 0, err
    keys_dir = tmp_path / "var" / "keys"
    assert f"Not sending grades: no tool key in {keys_dir}; run `leadpath keys ensure`" in err
    assert re.search(r"leadpath forwarder \S+:\d+:[0-9a-f]{8} running", err)


@pytest.mark.parametrize("how", HOW)
def test_a_worker_that_served_its_share_is_replaced_without_a_refused_request(tmp_path, how):
    """LEADPATH_WORKER_MAX_REQUESTS bounds a worker's life: fresh ones take over, nobody waits."""
    with _serving(tmp_path, how, LEADPATH_WORKER_MAX_REQUESTS="20") as (server, base):
        workers, answers = set(), []
        for _ in range(100):  # a new connection each, as nginx makes them
            answers.append(requests.get(f"{base}/healthz", timeout=30).status_code)
            workers.update(_children(server.pid))
        assert answers == [200] * 100
        # 20 to 22 requests each (a tenth of jitter), the health checks above included
        assert 4 <= len(workers) <= 7, workers
