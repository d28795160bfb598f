"""Benchmark of the embedded LRS: ingest rate, query latency and memory as the store grows.

The app runs under gunicorn (gthread) on 127.0.0.1 with a SQLite file database or a new
PostgreSQL database (`--database`; both in one invocation by default), as `leadpath serve` runs
it; clients post over keep-alive HTTP connections. Query latency is measured client-side for GET
by agent, by activity and by verb + since (limit 25) at each store size. Server memory is the RSS
of the gunicorn master and workers from /proc.

    .venv/bin/python bench/lrs.py --sizes 10000,100000,1000000 [--ralph /tmp/ralph-venv]
        [--database sqlite,postgresql] [--postgresql-url postgresql+psycopg://127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VERBS = [
    "attempted",
    "answered",
    "completed",
    "passed",
    "failed",
    "experienced",
    "commented",
    "progressed",
    "launched",
    "scored",
]
LEARNERS, ACTIVITIES, COURSES = 2000, 200, 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Generator:
    """Statements shaped like leadpath's: account actors, element activities, registrations."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.registrations = {}

    def statement(self) -> dict:
        rng = self.rng
        learner = rng.randrange(LEARNERS)
        if learner not in self.registrations or rng.random() < 0.05:
            self.registrations[learner] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        activity = rng.randrange(ACTIVITIES)
        statement = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {
                "objectType": "Agent",
                "name": f"Learner {learner}",
                "account": {"homePage": "https://moodle.example.ac.uk", "name": f"u{learner}"},
            },
            "verb": {
                "id": f"http://adlnet.gov/expapi/verbs/{rng.choice(VERBS)}",
                "display": {"en-GB": "did"},
            },
            "object": {
                "objectType": "Activity",
                "id": f"https://leadpath.example/frameworks/lf-2011/elements/e{activity}",
                "definition": {
                    "name": {"en-GB": f"Element {activity}"},
                    "type": "http://adlnet.gov/expapi/activities/assessment",
                },
            },
            "context": {
                "registration": self.registrations[learner],
                "platform": "leadpath",
                "contextActivities": {
                    "grouping": [
                        {"id": f"https://moodle.example.ac.uk/course/{learner % COURSES}"}
                    ],
                    "category": [{"id": "https://leadpath.example/profile"}],
                },
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        if rng.random() < 0.5:
            statement["result"] = {
                "score": {"scaled": round(rng.random(), 2), "raw": 3, "min": 0, "max": 5},
                "completion": True,
                "duration": "PT4M12S",
            }
        return statement

    def batch(self, n: int) -> list[dict]:
        return [self.statement() for _ in range(n)]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid] + [int(p) for p in out.split()]


class Store:
    """Where one run keeps its statements: an SQLite file in `tmp`, or a new PostgreSQL database
    made through `admin_url` and dropped afterwards."""

    def __init__(self, kind: str, tmp: Path, admin_url: str):
        self.kind, self.tmp, self.admin_url = kind, tmp, admin_url
        self.name = f"leadpath_bench_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'leadpath.db'}"
        else:
            self._admin("CREATE DATABASE {}")
            self.url = str(make_url(admin_url).set(database=self.name))

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql.format(self.name)))
        engine.dispose()

    def size_mb(self) -> dict:
        if self.kind == "sqlite":
            wal = self.tmp / "leadpath.db-wal"
            return {
                "db_mb": round((self.tmp / "leadpath.db").stat().st_size / 2**20),
                "wal_mb": round(wal.stat().st_size / 2**20 if wal.exists() else 0),
            }
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
        return {"db_mb": round(size / 2**20)}

    def analyze(self) -> None:
        """Refresh PostgreSQL's statistics after a fill, as autovacuum does within a minute of
        a large change in a running store."""
        from sqlalchemy import create_engine

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE lrs_statement")
        engine.dispose()

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def start_leadpath(store: Store, workers: int) -> tuple[subprocess.Popen, str, dict]:
    from lti_tool import schema
    from lti_tool.db import make_engine
    from xapi.lrs import create_credential

    tmp, url = store.tmp, store.url
    schema.upgrade(url)
    engine = make_engine(url)
    key, secret = create_credential(engine, "bench", ["all"])
    engine.dispose()
    port = free_port()
    config = {
        "base_url": f"http://127.0.0.1:{port}",
        "database_url": url,
        "data_dir": str(tmp),
        "secret_key": "bench",
        "log_level": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            f"lti_tool:create_app({config!r})",
        ]
    )
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
    }
    wait_up(f"http://127.0.0.1:{port}/xapi/about")
    return proc, f"http://127.0.0.1:{port}/xapi", headers


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def ingest(
    endpoint: str,
    headers: dict,
    batches: list[list[dict]],
    clients: int,
    settle: bool = False,
    took: list[float] | None = None,
) -> float:
    """POST the batches from `clients` threads; return statements per second.

    With `settle`, one query after the last POST is timed too: leadpath on SQLite indexes
    statements' lookup keys in bulk and always before a read, so the rate includes that work.
    Each POST's round trip (seconds) is appended to `took` when given.
    """
    bodies = [json.dumps(b if len(b) > 1 else b[0]) for b in batches]
    total = sum(len(b) for b in batches)
    cursor = iter(range(len(bodies)))
    lock, errors = threading.Lock(), []

    def worker():
        session = requests.Session()
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            began = time.perf_counter()
            r = session.post(
                f"{endpoint}/statements",
                data=bodies[i],
                timeout=120,
                headers={**headers, "Content-Type": "application/json"},
            )
            if took is not None:
                took.append(time.perf_counter() - began)
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if settle and not errors:
        r = requests.get(
            f"{endpoint}/statements",
            params={"verb": "http://adlnet.gov/expapi/verbs/attempted", "limit": 1},
            headers=headers,
            timeout=120,
        )
        if r.status_code != 200:
            errors.append(f"{r.status_code} {r.text[:200]}")
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"ingest failed: {errors[:3]}")
    return total / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies(endpoint: str, headers: dict, make_params, n: int = 200) -> dict:
    session = requests.Session()
    times = []
    for _ in range(n):
        params = make_params()
        start = time.perf_counter()
        r = session.get(f"{endpoint}/statements", params=params, headers=headers, timeout=60)
        times.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"query failed: {r.status_code} {r.text[:200]}")
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
    }


def query_suite(endpoint: str, headers: dict, since_window: timedelta) -> dict:
    rng = random.Random(11)

    def by_agent():
        agent = {
            "account": {
                "homePage": "https://moodle.example.ac.uk",
                "name": f"u{rng.randrange(LEARNERS)}",
            }
        }
        return {"agent": json.dumps(agent), "limit": 25}

    def by_activity():
        return {
            "activity": "https://leadpath.example/frameworks/lf-2011/elements/"
            f"e{rng.randrange(ACTIVITIES)}",
            "limit": 25,
        }

    def by_verb_since():
        since = datetime.now(UTC) - since_window * rng.random()
        return {
            "verb": f"http://adlnet.gov/expapi/verbs/{rng.choice(VERBS)}",
            "since": since.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "limit": 25,
        }

    return {
        "agent": latencies(endpoint, headers, by_agent),
        "activity": latencies(endpoint, headers, by_activity),
        "verb+since": latencies(endpoint, headers, by_verb_since),
    }


def cpu_seconds(pids: list[int]) -> float:
    """Return user + system CPU seconds of the processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


FRESH_WARMUP_BATCHES, FRESH_ROUNDS, FRESH_ROUND_BATCHES = 20, 3, 100


def fresh_rounds(
    endpoint: str, headers: dict, gen: Generator, clients: int, settle: bool, pids: list[int]
) -> dict:
    """The fresh-store workload, the same for both LRSs: a warm-up of 2 000 statements, then
    three rounds of 10 000 (100 per POST); each round's rate, the server's CPU per batch and
    (for PostgreSQL on this machine) the database server's."""
    ingest(endpoint, headers, [gen.batch(100) for _ in range(FRESH_WARMUP_BATCHES)], clients)
    runs, cpu, db_cpu = [], [], []
    for _ in range(FRESH_ROUNDS):
        batches = [gen.batch(100) for _ in range(FRESH_ROUND_BATCHES)]
        before, db_before = cpu_seconds(pids), cpu_seconds(postgres_pids())
        runs.append(round(ingest(endpoint, headers, batches, clients, settle=settle)))
        cpu.append((cpu_seconds(pids) - before) * 1000 / len(batches))
        db_cpu.append((cpu_seconds(postgres_pids()) - db_before) * 1000 / len(batches))
    return {
        "runs_per_s": runs,
        "median_per_s": round(statistics.median(runs)),
        "server_cpu_ms_per_batch": round(statistics.median(cpu), 2),
        "database_cpu_ms_per_batch": round(statistics.median(db_cpu), 2),
    }


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (their CPU is the database's work).

    A backend that exits between two readings takes its CPU with it; the app's pool keeps its
    connections open through a round, so the rounds' backends are counted."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def fresh_store_ingest(kind: str, admin_url: str, workers: int, clients: int) -> dict:
    """Batch ingest into a new store, every round ending with a read (see `ingest`)."""
    with tempfile.TemporaryDirectory(prefix="leadpath-lrs-fresh-") as tmpdir:
        store = Store(kind, Path(tmpdir), admin_url)
        proc, endpoint, headers = start_leadpath(store, workers)
        try:
            return fresh_rounds(
                endpoint, headers, Generator(seed=5), clients, True, children(proc.pid)
            )
        finally:
            proc.terminate()
            proc.wait(30)
            store.drop()


def run_leadpath(kind: str, admin_url: str, sizes: list[int], workers: int, clients: int) -> dict:
    results: dict = {
        "sizes": {},
        "fresh_store_batch": fresh_store_ingest(kind, admin_url, workers, clients),
    }
    print(json.dumps({kind: {"fresh_store_batch": results["fresh_store_batch"]}}), flush=True)
    gen = Generator()
    with tempfile.TemporaryDirectory(prefix="leadpath-lrs-bench-") as tmpdir:
        tmp = Path(tmpdir)
        store = Store(kind, tmp, admin_url)
        proc, endpoint, headers = start_leadpath(store, workers)
        try:
            pids = children(proc.pid)
            results["rss_start_mb"] = rss_mb(pids)
            results["single_post_per_s"] = round(
                ingest(endpoint, headers, [[s] for s in gen.batch(2000)], clients)
            )
            results["batch_post_per_s"] = round(
                ingest(
                    endpoint, headers, [gen.batch(100) for _ in range(100)], clients, settle=True
                )
            )
            stored, started = 12000, time.monotonic()
            for size in sizes:
                rates, posts = [], []
                while stored < size:
                    step = min(50_000, size - stored)
                    rates.append(
                        ingest(
                            endpoint,
                            headers,
                            [gen.batch(100) for _ in range(step // 100)],
                            clients,
                            settle=True,
                            took=posts,
                        )
                    )
                    stored += step
                window = timedelta(seconds=max(60.0, time.monotonic() - started))
                unanalyzed = {}
                if kind == "postgresql":  # SQLite's key index needs no statistics
                    unanalyzed = {"before_analyze": query_suite(endpoint, headers, window)}
                    store.analyze()
                cpu_before = cpu_seconds(children(proc.pid))
                queries = query_suite(endpoint, headers, window)
                results["sizes"][size] = {
                    "fill_batch_per_s": round(statistics.mean(rates)) if rates else None,
                    "fill_post_ms": {
                        "p50": round(1000 * percentile(posts, 0.5), 1),
                        "p99": round(1000 * percentile(posts, 0.99), 1),
                        "max": round(1000 * max(posts), 1),
                    }
                    if posts
                    else None,
                    "rss_mb": rss_mb(children(proc.pid)),
                    **store.size_mb(),
                    **queries,
                    "server_cpu_ms_per_query": round(
                        (cpu_seconds(children(proc.pid)) - cpu_before) * 1000 / 600, 2
                    ),
                    **unanalyzed,
                }
                print(json.dumps({kind: {size: results["sizes"][size]}}), flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
            store.drop()
    return results


RALPH_WRAPPER = """
# Ralph's FS LRS backend writes with operation type INDEX, which refuses to touch an existing
# file, so every write after the first fails; append instead.
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

_write = FSLRSBackend.write


def _append(self, data, target=None, chunk_size=None, ignore_errors=False, operation_type=None):
    return _write(self, data, target, chunk_size, ignore_errors, BaseOperationType.APPEND)


FSLRSBackend.write = _append
from ralph.api import app  # noqa: E402
"""


def run_ralph(venv: Path, clients: int) -> dict:
    """Run Ralph's LRS (FS backend) under uvicorn: the same fresh-store ingest, then queries."""
    gen = Generator(seed=9)
    with tempfile.TemporaryDirectory(prefix="ralph-bench-") as tmpdir:
        port = free_port()
        env = {
            **os.environ,
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": tmpdir,
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": tmpdir,
            "RALPH_AUTH_FILE": str(Path(tmpdir) / "auth.json"),
        }
        Path(tmpdir, "auth.json").write_text(
            json.dumps(
                [
                    {
                        "agent": {"mbox": "mailto:bench@example.org"},
                        "scopes": ["all"],
                        "username": "bench",
                        "hash": _bcrypt(venv, "bench"),
                        "target": None,
                    }
                ]
            )
        )
        Path(tmpdir, "ralph_append.py").write_text(RALPH_WRAPPER)
        proc = subprocess.Popen(
            [
                str(venv / "bin" / "python"),
                "-m",
                "uvicorn",
                "ralph_append:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=tmpdir,
        )
        endpoint = f"http://127.0.0.1:{port}/xAPI"
        headers = {
            "Authorization": "Basic " + base64.b64encode(b"bench:bench").decode(),
            "X-Experience-API-Version": "1.0.3",
        }
        try:
            wait_up(f"http://127.0.0.1:{port}/whoami", 60)
            # Ralph's queries read its whole file, so its rounds end without one.
            out = fresh_rounds(endpoint, headers, gen, clients, False, children(proc.pid))
            out["rss_mb"] = rss_mb(children(proc.pid))
            out.update(query_suite(endpoint, headers, timedelta(minutes=10)))
            return out
        finally:
            proc.terminate()
            proc.wait(30)


def _bcrypt(venv: Path, password: str) -> str:
    code = "import bcrypt,sys;print(bcrypt.hashpw(sys.argv[1].encode(),bcrypt.gensalt()).decode())"
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, password],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--ralph", type=Path, help="virtualenv with ralph-malph[lrs] installed")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--database", default="sqlite,postgresql", help="sqlite, postgresql or both, in order"
    )
    parser.add_argument(
        "--postgresql-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="a database through which a new one is created for each run, and dropped",
    )
    args = parser.parse_args()
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "workers": args.workers,
        "clients": args.clients,
    }
    if args.ralph:
        try:
            results["ralph"] = run_ralph(args.ralph, args.clients)
        except (SystemExit, Exception) as exc:  # noqa: BLE001 - report why Ralph did not run
            results["ralph"] = {"error": str(exc)[:500]}
        print(json.dumps({"ralph": results["ralph"]}), flush=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.database.split(",")
    for kind in kinds:
        results[f"leadpath_{kind}"] = run_leadpath(
            kind, args.postgresql_url, sizes, args.workers, args.clients
        )
    first = results[f"leadpath_{kinds[0]}"]["fresh_store_batch"]["median_per_s"]
    ralph_rate = results.get("ralph", {}).get("median_per_s")
    if ralph_rate:
        results["fresh_store_leadpath_over_ralph"] = round(first / ralph_rate, 1)
    if {"sqlite", "postgresql"} <= set(kinds):
        pg = results["leadpath_postgresql"]["fresh_store_batch"]["median_per_s"]
        lite = results["leadpath_sqlite"]["fresh_store_batch"]["median_per_s"]
        results["fresh_store_postgresql_over_sqlite"] = round(pg / lite, 2)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
