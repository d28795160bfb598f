"""Benchmark the outbox: the cost `enqueue` adds to a web request, and forwarder throughput.

(a) A "request" is one transaction inserting a learner row (the state change) on a SQLite
    file database; measured with and without enqueueing its statements in it.
(b) For each LRS — the in-memory stand-in, and leadpath's own embedded LRS (`create_app` under
    werkzeug, threaded, with its own SQLite file) — each in its own process on loopback: a
    simple loop first posts 100-statement batches straight to it (its batch-ingest rate), then
    the forwarder drains a queue of as many statements to the same LRS, same batch size.
    The forwarder runs with its default poll interval, in this process; the CPU its threads
    use per batch (process time less this thread's) is reported too: it depends less than rates on
    what else the machine is running.
(c) The HTTP client's own CPU per 100-statement POST (thread time of the posting thread,
    against the stand-in in its own process): this tree's `LrsClient`, and with
    `--baseline-client REF` the `xapi/outbox/client.py` of that git revision, in alternating
    rounds of the same run.

Usage: .venv/bin/python bench/emit.py [--requests 2000] [--statements 20000] [--lrs both]
       [--baseline-client main] [--write]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import itertools
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from lti_tool import schema  # noqa: E402
from lti_tool.db import Database  # noqa: E402
from lti_tool.models import Learner  # noqa: E402
from xapi.outbox import Forwarder, ForwarderConfig, enqueue  # noqa: E402
from xapi.outbox.destinations import add_destination  # noqa: E402
from xapi.outbox.models import PENDING, Delivery, OutboxStatement  # noqa: E402

STATEMENTS_PER_REQUEST = 3
LRS_NAMES = {
    "standin": "stand-in (in memory, does nothing but keep them)",
    "embedded": "leadpath's embedded LRS (werkzeug threaded, own SQLite file)",
}


def make_statement(learner: str, n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://lp.example", "name": learner},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
        "object": {
            "id": f"https://lp.example/frameworks/lf-2011/elements/e{n % 28}",
            "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"},
        },
        "result": {"response": "3", "extensions": {"https://lp.example/x/stage": 3}},
        "context": {"registration": str(uuid.uuid4()), "platform": "Moodle"},
        "timestamp": "2026-11-26T14:00:00.000Z",
    }


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def request_cost(url: str, requests_n: int) -> dict:
    database = Database(url)
    results = {}
    for label, emit in (("without", False), ("with", True)):
        timings = []
        for _ in range(requests_n):
            learner = str(uuid.uuid4())
            statements = [make_statement(learner, n) for n in range(STATEMENTS_PER_REQUEST)]
            started = time.perf_counter()
            with database.transaction() as session:
                session.add(Learner(id=learner))
                if emit:
                    enqueue(session, statements, learner_key=learner, platform_issuer="iss")
            timings.append((time.perf_counter() - started) * 1e6)
        results[label] = {
            "median_us": statistics.median(timings),
            "p95_us": percentile(timings, 95),
        }
    added = results["with"]["median_us"] - results["without"]["median_us"]
    added_p95 = results["with"]["p95_us"] - results["without"]["p95_us"]
    results["added_per_request_us"] = {"median": added, "p95": added_p95}
    results["added_per_statement_us"] = {
        "median": added / STATEMENTS_PER_REQUEST,
        "p95": added_p95 / STATEMENTS_PER_REQUEST,
    }
    database.engine.dispose()
    return results


def serve_embedded(scratch: str, port_queue, stop_event) -> None:
    """Serve leadpath's embedded LRS from its own database; report its port and a credential."""
    import logging

    from werkzeug.serving import make_server

    from lti_tool import create_app, workers
    from xapi.lrs import create_credential

    workers.process_started()  # this process serves the LRS, as a gunicorn worker would
    url = f"sqlite:///{scratch}/lrs.db"
    schema.upgrade(url)
    app = create_app(
        {
            "base_url": "http://127.0.0.1",
            "database_url": url,
            "data_dir": scratch,
            "secret_key": "bench-only-secret-key",
            "log_level": "WARNING",
        }
    )
    engine = app.extensions["leadpath.db"].engine
    key, secret = create_credential(engine, "bench", ["all"])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port_queue.put((server.server_port, key, secret))
    stop_event.wait()
    with engine.connect() as conn:
        port_queue.put(conn.execute(text("SELECT count(*) FROM lrs_statement")).scalar())
    server.shutdown()


def serve_standin(port_queue, stop_event) -> None:
    from tests.xapi.outbox.lrs_standin import LrsStandIn

    lrs = LrsStandIn()
    port_queue.put((lrs.port, "key", "secret"))
    stop_event.wait()
    port_queue.put(len(lrs.stored))
    lrs.stop()


def ingest_rate(
    endpoint: str, credentials: tuple[str, str], total: int, batch: int, first: int = 0
) -> float:
    session = requests.Session()
    session.auth = credentials
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    bodies = [json.dumps(make_statement("direct", n)) for n in range(first, first + total)]
    started = time.perf_counter()
    for i in range(0, total, batch):
        payload = ("[" + ",".join(bodies[i : i + batch]) + "]").encode()
        response = session.post(
            f"{endpoint}/statements", data=payload, headers=headers, timeout=(3, 30)
        )
        response.raise_for_status()
    return total / (time.perf_counter() - started)


def forwarder_rate(
    url: str, endpoint: str, credentials: tuple[str, str], total: int, batch: int, lanes: int
) -> tuple[float, float]:
    """Return the forwarder's statements per second and its CPU milliseconds per batch."""
    database = Database(url)
    name = f"bench-{uuid.uuid4().hex[:6]}"
    issuer = f"https://{name}.example"
    key, secret = credentials
    with database.transaction() as session:
        add_destination(
            session, name=name, endpoint=endpoint, key=key, secret=secret, platforms=[issuer]
        )
    with database.transaction() as session:
        for n in range(total):
            learner = f"learner-{n % 200}"
            enqueue(
                session, [make_statement(learner, n)], learner_key=learner, platform_issuer=issuer
            )
    config = ForwarderConfig(batch_size=batch, lanes=lanes)
    forwarder = Forwarder(database.sessions, config, only=(name,))
    started = time.perf_counter()
    cpu_started, mine_started = time.process_time(), time.thread_time()
    forwarder.start()

    def remaining() -> bool:
        with database.sessions() as session:
            unrouted = select(OutboxStatement.seq).where(OutboxStatement.routed.is_(False))
            waiting = select(Delivery.id).where(Delivery.status == PENDING)
            return session.scalar(select(unrouted.exists() | waiting.exists()))

    while remaining():
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    cpu = (time.process_time() - cpu_started) - (time.thread_time() - mine_started)
    forwarder.stop()
    database.engine.dispose()
    return total / elapsed, 1000 * cpu / (total / batch)


def load_client_at(ref: str):
    """Return the `LrsClient` class of `xapi/outbox/client.py` at git revision `ref`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:xapi/outbox/client.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader(f"baseline_client_{ref}", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{ref}:xapi/outbox/client.py", "exec"), module.__dict__)  # noqa: S102
    return module.LrsClient


def client_cpu(baseline: str | None, batch: int, posts: int = 300, rounds: int = 5) -> dict:
    """Return the posting thread's CPU milliseconds per POST, per client, best round of each."""
    from xapi.outbox.client import LrsClient

    ports, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve_standin, args=(ports, stop))
    server.start()
    port, key, secret = ports.get(timeout=120)
    endpoint = f"http://127.0.0.1:{port}/xapi"
    kinds = {"requests (this tree)": LrsClient}
    if baseline:
        kinds[f"http.client ({baseline})"] = load_client_at(baseline)
    counter = itertools.count()
    template = [json.dumps(make_statement("cpu", n)) for n in range(batch)]
    best: dict[str, float] = {}
    try:
        clients = {
            name: kind(endpoint, key, secret, connect_timeout=3.05, read_timeout=30)
            for name, kind in kinds.items()
        }
        for _ in range(rounds):
            for name, client in clients.items():
                bodies = []
                for _ in range(posts):
                    k = next(counter)
                    bodies.append([b.replace('"id": "', f'"id": "{k:08x}', 1) for b in template])
                started = time.thread_time()
                for batch_bodies in bodies:
                    answer = client.post_statements(batch_bodies)
                    assert answer.status == 200, answer
                spent = 1000 * (time.thread_time() - started) / posts
                best[name] = min(best.get(name, spent), spent)
        for client in clients.values():
            client.close()
    finally:
        stop.set()
        ports.get(timeout=60)
        server.join()
    return best


def compare(lrs: str, url: str, scratch: str, args) -> dict:
    """Measure one LRS's direct batch-ingest rate, then the forwarder's rate to it."""
    ports, stop = multiprocessing.Queue(), multiprocessing.Event()
    if lrs == "standin":
        server = multiprocessing.Process(target=serve_standin, args=(ports, stop))
    else:
        lrs_dir = Path(scratch) / "lrs"
        lrs_dir.mkdir()
        server = multiprocessing.Process(target=serve_embedded, args=(str(lrs_dir), ports, stop))
    server.start()
    port, *credentials = ports.get(timeout=120)
    endpoint = f"http://127.0.0.1:{port}/xapi"
    try:
        # The LRS slows a little as it fills, so its direct rate is measured half before and
        # half after the forwarder's run, and the two halves are pooled.
        half = args.statements // 2
        before = ingest_rate(endpoint, tuple(credentials), half, args.batch)
        forwarded, cpu_per_batch = forwarder_rate(
            url, endpoint, tuple(credentials), args.statements, args.batch, args.lanes
        )
        rest = args.statements - half
        after = ingest_rate(endpoint, tuple(credentials), rest, args.batch, first=half)
        ingest = args.statements / (half / before + rest / after)
    finally:
        stop.set()
        stored = ports.get(timeout=60)
        server.join()
    assert stored == 2 * args.statements, f"the {lrs} LRS holds {stored} statements"
    return {
        "ingest_statements_per_s": ingest,
        "forwarder_statements_per_s": forwarded,
        "forwarder_share_of_ingest": forwarded / ingest,
        "forwarder_cpu_ms_per_batch": cpu_per_batch,
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lanes", type=int, default=ForwarderConfig.lanes)
    parser.add_argument("--lrs", choices=["standin", "embedded", "both"], default="both")
    parser.add_argument(
        "--baseline-client", help="a git revision whose forwarder client to compare, e.g. main"
    )
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    args = parser.parse_args()

    load_before = os.getloadavg()
    lrss = ["standin", "embedded"] if args.lrs == "both" else [args.lrs]
    throughput = {}
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/bench.db"
        schema.upgrade(url)
        cost = request_cost(url, args.requests)
        for lrs in lrss:
            throughput[lrs] = compare(lrs, url, scratch, args)
    client = client_cpu(args.baseline_client, args.batch)
    result = {
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "enqueue": cost,
        "throughput": throughput,
        "client_cpu_ms_per_post": client,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "args": vars(args),
    }
    print(json.dumps(result, indent=2))
    if args.write:
        write_results(result)


def write_results(result: dict) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    heading = "## Outbox and forwarder (bench/emit.py)"
    m, cost = result["machine"], result["enqueue"]
    section = "\n".join(
        [
            heading,
            "",
            f"{result['date']} · {m['nproc']} CPUs · {m['cpu']} · Python {m['python']} · "
            f"SQLite file DB (WAL) · `{' '.join(sys.argv)}`",
            "",
            f"(a) Cost `enqueue` adds to a request ({STATEMENTS_PER_REQUEST} statements, "
            f"{result['args']['requests']} requests; target < 1 ms per request):",
            "",
            "| | median µs | p95 µs |",
            "|---|---|---|",
            f"| request without statements | {cost['without']['median_us']:.0f} | {cost['without']['p95_us']:.0f} |",  # noqa: E501
            f"| same request with enqueue | {cost['with']['median_us']:.0f} | {cost['with']['p95_us']:.0f} |",  # noqa: E501
            f"| added per request | {cost['added_per_request_us']['median']:.0f} | {cost['added_per_request_us']['p95']:.0f} |",  # noqa: E501
            f"| added per statement | {cost['added_per_statement_us']['median']:.0f} | {cost['added_per_statement_us']['p95']:.0f} |",  # noqa: E501
            "",
            f"(b) Forwarder throughput against the same LRS's own batch-ingest rate, same run, "
            f"{result['args']['statements']} statements in batches of {result['args']['batch']}, "
            f"forwarder lanes {result['args']['lanes']}; target ≥ 90 %:",
            "",
            "| LRS (own process, loopback) | direct ingest, statements/s | forwarder, statements/s"
            " | forwarder / ingest | target | forwarder CPU per batch |",
            "|---|---|---|---|---|---|",
            *[
                f"| {LRS_NAMES[name]} | {t['ingest_statements_per_s']:.0f} "
                f"| {t['forwarder_statements_per_s']:.0f} "
                f"| {100 * t['forwarder_share_of_ingest']:.0f} % "
                f"| {'met' if t['forwarder_share_of_ingest'] >= 0.9 else 'not met'} "
                f"| {t['forwarder_cpu_ms_per_batch']:.2f} ms |"
                for name, t in result["throughput"].items()
            ],
            "",
            f"(c) The HTTP client's CPU per {result['args']['batch']}-statement POST (posting "
            "thread, best of 5 alternating rounds of 300 POSTs to the stand-in):",
            "",
            "| client | CPU ms per POST |",
            "|---|---|",
            *[f"| {name} | {ms:.2f} |" for name, ms in result["client_cpu_ms_per_post"].items()],
            "",
            "Load average (1, 5, 15 min) at the start: "
            + ", ".join(f"{x:.1f}" for x in result["load_before"])
            + "; at the end: "
            + ", ".join(f"{x:.1f}" for x in result["load_after"]),
            "",
            "",
        ]
    )
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if heading in text:
        start = text.index(heading)
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    main()
