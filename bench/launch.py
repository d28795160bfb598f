"""LTI 1.3 launch benchmark: leadpath against a bare Flask + pylti1p3 peer, same driver and server.

Both tools run under gunicorn on 127.0.0.1 with the same worker class (gthread), workers and
threads. Each virtual client is its own process with one keep-alive `requests.Session`; a full
round trip is GET login -> 302 (state + nonce) -> POST launch with a freshly signed RS256 id_token
-> 303 (the landing page is not fetched). Every round trip starts with an empty cookie jar, as a
new browser would. Server CPU is the utime+stime of the gunicorn master and workers from /proc.

    .venv/bin/python bench/launch.py [--seconds 20] [--concurrency 8] [--workers 2]

The run is time-limited (an alarm stops it), talks only to 127.0.0.1, and removes its servers
and temporary directory on exit, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent
PEER_DIR = REPO / "bench" / "peer_pylti1p3"
HOST = "127.0.0.1"
ISSUER = "https://platform.bench.test"
AUTH_URL = ISSUER + "/auth"  # only ever parsed, never fetched
CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "bench-deployment"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
USERS_PER_CLIENT = 50  # each client cycles through its own users: new at first, then returning
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A round trip got an answer the benchmark does not accept."""


@dataclass(frozen=True)
class Target:
    """One served tool as the driver sees it."""

    name: str
    base_url: str
    login_path: str
    launch_path: str

    @property
    def launch_url(self) -> str:
        """Return the tool's launch URL (the target_link_uri)."""
        return self.base_url + self.launch_path


@dataclass
class Run:
    """The measurements of one timed window against one tool."""

    tool: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    driver_cpu: float = 0.0
    machine_cpu: float = 0.0
    errors: int = 0
    first_error: str | None = None

    @property
    def launches(self) -> int:
        """Return the round trips completed inside the window."""
        return len(self.latencies)


# --- driver (runs in each client process) -------------------------------------------------------


def _claims(target: Target, nonce: str, sub: str) -> dict:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "azp": CLIENT_ID,
        "sub": sub,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": DEPLOYMENT_ID,
        LTI + "target_link_uri": target.launch_url,
        LTI + "roles": [LEARNER],
        LTI + "resource_link": {"id": "link-1", "title": "Leadership self-assessment"},
        LTI + "context": {"id": "course-1", "title": "Leadership 101", "label": "L101"},
        "name": "Jo Bloggs",
        "given_name": "Jo",
        "family_name": "Bloggs",
        "email": "jo@example.test",
    }


def round_trip(http, target: Target, key, kid: str, sub: str) -> None:
    """Log in and launch once; raise BenchError unless login gives 302 and launch 303."""
    import jwt

    http.cookies.clear()
    login = http.get(
        target.base_url + target.login_path,
        params={
            "iss": ISSUER,
            "login_hint": sub,
            "target_link_uri": target.launch_url,
            "client_id": CLIENT_ID,
        },
        allow_redirects=False,
        timeout=30,
    )
    if login.status_code != 302:
        raise BenchError(f"login answered {login.status_code}: {login.text[:300]}")
    sent = parse_qs(urlsplit(login.headers["Location"]).query)
    state, nonce = sent["state"][0], sent["nonce"][0]
    token = jwt.encode(_claims(target, nonce, sub), key, algorithm="RS256", headers={"kid": kid})
    launch = http.post(
        target.launch_url,
        data={"id_token": token, "state": state},
        allow_redirects=False,
        timeout=30,
    )
    if launch.status_code != 303:
        raise BenchError(f"launch answered {launch.status_code}: {launch.text[:300]}")


def client_main(index: int, target: Target, key_path: str, kid: str, go, stop, out) -> None:
    """Run round trips from `go` until `stop`; report (start, end) pairs and errors on `out`."""
    import requests
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    key = load_pem_private_key(Path(key_path).read_bytes(), password=None)  # loaded once
    http = requests.Session()
    http.trust_env = False  # loopback only, never through a proxy
    out.put(("ready", index))
    go.wait(60)
    done, errors, first_error, i = [], 0, None, 0
    while not stop.is_set():
        sub = f"bench-user-{index}-{i % USERS_PER_CLIENT}"
        i += 1
        start = time.monotonic()
        try:
            round_trip(http, target, key, kid, sub)
        except (BenchError, requests.RequestException, KeyError) as exc:
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)
            continue
        done.append((start, time.monotonic()))
    out.put(("done", index, done, errors, first_error))


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def make_platform_key(directory: Path) -> tuple[Path, dict]:
    """Create the benchmark platform's RSA key; return its PEM path and public JWK."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "platform.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "bench-key-1", "alg": "RS256", "use": "sig"})
    return path, jwk


def serve_jwks(jwks: dict) -> ThreadingHTTPServer:
    """Serve the platform JWKS from a loopback HTTP server thread (the peer fetches it once)."""
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def prepare_leadpath(tmp: Path, port: int, jwk: dict) -> str:
    """Migrate a fresh SQLite DB, create the tool key, register the platform; return app spec."""
    from lti_tool import schema, signing_keys
    from lti_tool.db import Database
    from lti_tool.lti.registry import add_platform

    config = {
        "base_url": f"http://{HOST}:{port}",
        "database_url": f"sqlite:///{tmp / 'leadpath.db'}",
        "data_dir": str(tmp),
        "secret_key": "bench",
        "log_level": "WARNING",
    }
    schema.upgrade(config["database_url"])
    signing_keys.ensure_tool_key(tmp / "keys")  # as `leadpath serve` does, before workers start
    db = Database(config["database_url"])
    with db.transaction() as session:
        add_platform(
            session,
            issuer=ISSUER,
            client_id=CLIENT_ID,
            deployment_ids=[DEPLOYMENT_ID],
            auth_login_url=AUTH_URL,
            auth_token_url=ISSUER + "/token",
            key_set_url=None,
            key_set={"keys": [jwk]},
        )
    db.engine.dispose()
    return f"lti_tool:create_app({config!r})"


def peer_spec(jwks_url: str | None, jwk: dict) -> str:
    """Return the gunicorn app spec of the peer (JWKS by URL with caching, or inline)."""
    config = {
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "deployment_id": DEPLOYMENT_ID,
        "auth_login_url": AUTH_URL,
    }
    if jwks_url:
        config["key_set_url"] = jwks_url
    else:
        config["key_set"] = {"keys": [jwk]}
    return f"app:create_app({config!r})"


def start_gunicorn(
    spec: str, chdir: Path, port: int, args, log: Path, config: tuple[str, ...] = ()
) -> subprocess.Popen:
    """Start gunicorn in its own process group; return once the port accepts connections."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *config,
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--chdir",
        str(chdir),
        spec,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADPATH_")}
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            command, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start; see {log}:\n{log.read_text()[-2000:]}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on {port} within 30 s")


def stop_process_group(proc: subprocess.Popen) -> None:
    """Stop a server started with start_new_session (its own process group) by its id."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass


def process_tree(pid: int) -> list[int]:
    """Return pid and its children (gunicorn's master and workers)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """Return the summed utime+stime (all threads) of the given processes, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


# --- measurement ---------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """Return the CPU time all cores have spent busy since boot (/proc/stat), in seconds."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK_TCK  # all but idle and iowait


def measure(target: Target, server: subprocess.Popen, key_path: Path, kid: str, args) -> Run:
    """Drive one tool with `args.concurrency` client processes; time one window after warm-up."""
    ctx = mp.get_context("spawn")
    go, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    clients = [
        ctx.Process(
            target=client_main,
            args=(i, target, str(key_path), kid, go, stop, out),
            daemon=True,
        )
        for i in range(args.concurrency)
    ]
    try:
        for client in clients:
            client.start()
        for _ in clients:
            out.get(timeout=60)
        server_pids = process_tree(server.pid)
        client_pids = [c.pid for c in clients]
        go.set()
        time.sleep(args.warmup)
        all0, t0 = machine_busy_seconds(), time.monotonic()
        cpu0, drv0 = cpu_seconds(server_pids), cpu_seconds(client_pids)
        time.sleep(args.seconds)
        cpu1, drv1 = cpu_seconds(server_pids), cpu_seconds(client_pids)
        all1, t1 = machine_busy_seconds(), time.monotonic()
        stop.set()
        run = Run(
            target.name,
            t1 - t0,
            server_cpu=cpu1 - cpu0,
            driver_cpu=drv1 - drv0,
            machine_cpu=all1 - all0,
        )
        for _ in clients:
            _, _, done, errors, first_error = out.get(timeout=60)
            run.latencies += [end - start for start, end in done if t0 <= end <= t1]
            run.errors += errors
            run.first_error = run.first_error or first_error
        for client in clients:
            client.join(10)
        return run
    finally:
        for client in clients:
            if client.is_alive():
                client.terminate()
                client.join(5)


def summarise(runs: list[Run]) -> dict:
    """Pool runs of one tool: launches/s, p50/p95 ms, CPU ms/launch, other processes' cores."""
    latencies = sorted(x for r in runs for x in r.latencies)
    launches = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if launches >= 2 else [float("nan")] * 99
    return {
        "launches": launches,
        "rate": launches / sum(r.seconds for r in runs),
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "server_cpu_ms": 1000 * sum(r.server_cpu for r in runs) / max(launches, 1),
        "driver_cpu_ms": 1000 * sum(r.driver_cpu for r in runs) / max(launches, 1),
        "errors": sum(r.errors for r in runs),
        "other_cores": sum(r.machine_cpu - r.server_cpu - r.driver_cpu for r in runs)
        / sum(r.seconds for r in runs),
    }


def row(name: str, s: dict) -> str:
    """Return one markdown table row."""
    return (
        f"| {name} | {s['launches']} | {s['rate']:.1f} | {s['p50']:.1f} | {s['p95']:.1f} "
        f"| {s['server_cpu_ms']:.2f} | {s['driver_cpu_ms']:.2f} | {s['other_cores']:.2f} "
        f"| {s['errors']} |"
    )


def report(runs: list[Run]) -> None:
    """Print per-run rows, pooled rows, the ratios and whether the targets are met."""
    header = (
        "| tool | launches | launches/s | p50 ms | p95 ms | server CPU ms/launch "
        "| driver CPU ms/launch | other load (cores) | errors |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    print("\nPer window:\n" + header)
    for number, run in enumerate(runs, 1):
        print(row(f"{number}. {run.tool}", summarise([run])))
    pooled = {name: summarise([r for r in runs if r.tool == name]) for name in ("leadpath", "peer")}
    print("\nPooled:\n" + header)
    for name, s in pooled.items():
        print(row(name, s))
    lead, peer = pooled["leadpath"], pooled["peer"]
    rate_ratio = lead["rate"] / peer["rate"] if peer["rate"] else float("nan")
    cpu_ratio = lead["server_cpu_ms"] / peer["server_cpu_ms"] if peer["server_cpu_ms"] else 0
    print(
        f"\nleadpath/peer launches/s: {rate_ratio:.2f} (target >= 0.90: "
        f"{'met' if rate_ratio >= 0.9 else 'MISSED'})"
    )
    print(
        f"leadpath/peer server CPU per launch: {cpu_ratio:.2f} (target <= 1.50: "
        f"{'met' if cpu_ratio <= 1.5 else 'MISSED'})"
    )
    for run in runs:
        if run.first_error:
            print(f"first error ({run.tool}): {run.first_error}")


def describe_machine() -> str:
    """Return nproc, CPU model, RAM, Python and OS in one line."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if "model name" in ln]
    model = models[0] if models else "?"
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    try:
        osname = next(
            ln.split("=", 1)[1].strip('"')
            for ln in Path("/etc/os-release").read_text().splitlines()
            if ln.startswith("PRETTY_NAME=")
        )
    except (OSError, StopIteration):
        osname = platform.system()
    return (
        f"{os.cpu_count()} CPUs ({model}), {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {osname}, kernel {platform.release()}"
    )


def describe_code() -> str:
    """Return the commit measured and whether lti_tool/xapi/framework had uncommitted changes."""

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "lti_tool", "xapi", "framework")
    changed = len(dirty.splitlines())
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f" + {changed} uncommitted paths under lti_tool/xapi/framework" if changed else ""
    )


def describe_libraries() -> str:
    """Return the installed versions of the libraries both tools launch with."""
    from importlib import metadata

    found = []
    for name in ("pylti1p3next", "PyLTI1p3", "PyJWT", "cryptography", "Flask", "SQLAlchemy"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    """Parse options, serve both tools, measure them in alternating order, print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="timed window per run")
    parser.add_argument("--warmup", type=float, default=3, help="untimed warm-up per run")
    parser.add_argument("--concurrency", type=int, default=8, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per tool")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--rounds", type=int, default=2, help="runs per tool, order alternating")
    parser.add_argument(
        "--peer-keys",
        choices=("cached-url", "inline"),
        default="cached-url",
        help="peer gets the JWKS from a loopback URL with pylti1p3 key caching, or inline",
    )
    args = parser.parse_args()
    budget = int(60 + args.rounds * 2 * (args.warmup + args.seconds + 30))
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGALRM, _on_signal)
    signal.alarm(budget)  # the whole run stops by itself

    servers: list[subprocess.Popen] = []
    jwks_server = None
    tmp = Path(tempfile.mkdtemp(prefix="leadpath-bench-"))
    try:
        key_path, jwk = make_platform_key(tmp)
        jwks_server = serve_jwks({"keys": [jwk]})
        jwks_url = f"http://{HOST}:{jwks_server.server_address[1]}/jwks"

        lead_port, peer_port = free_port(), free_port()
        lead_spec = prepare_leadpath(tmp, lead_port, jwk)
        # leadpath's workers apply its per-process memory settings in post_fork, as in production.
        lead_proc = start_gunicorn(
            lead_spec, REPO, lead_port, args, tmp / "leadpath.log", ("-c", "python:lti_tool.server")
        )
        servers.append(lead_proc)
        peer_url = jwks_url if args.peer_keys == "cached-url" else None
        peer_proc = start_gunicorn(
            peer_spec(peer_url, jwk), PEER_DIR, peer_port, args, tmp / "peer.log"
        )
        servers.append(peer_proc)
        tools = {
            "leadpath": (
                Target("leadpath", f"http://{HOST}:{lead_port}", "/lti/login", "/lti/launch"),
                lead_proc,
            ),
            "peer": (Target("peer", f"http://{HOST}:{peer_port}", "/login", "/launch"), peer_proc),
        }

        import requests
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(key_path.read_bytes(), password=None)
        with requests.Session() as http:
            http.trust_env = False
            for target, _ in tools.values():
                try:
                    round_trip(http, target, key, jwk["kid"], "bench-smoke")  # fail fast
                except (BenchError, requests.RequestException) as exc:
                    print(f"{target.name}: first round trip failed: {exc}", file=sys.stderr)
                    return 1

        print(f"machine: {describe_machine()}")
        print(f"leadpath code: {describe_code()}")
        print(f"libraries: {describe_libraries()}")
        print(
            f"gunicorn: {args.workers} workers x gthread {args.threads} threads per tool; "
            f"driver: {args.concurrency} client processes on the same machine; "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s timed per run; "
            f"peer keys: {args.peer_keys}",
            flush=True,
        )
        runs = []
        for number in range(args.rounds):
            order = ("peer", "leadpath") if number % 2 == 0 else ("leadpath", "peer")
            for name in order:
                target, proc = tools[name]
                run = measure(target, proc, key_path, jwk["kid"], args)
                print(
                    f"  {name}: {run.launches / run.seconds:.1f} launches/s, "
                    f"{1000 * run.server_cpu / max(run.launches, 1):.2f} ms server CPU/launch, "
                    f"{run.errors} errors",
                    flush=True,
                )
                runs.append(run)
        report(runs)
        return 0
    except KeyboardInterrupt as exc:
        print(f"stopped: {exc or 'interrupted'}", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        for proc in servers:
            stop_process_group(proc)
        if jwks_server is not None:
            jwks_server.shutdown()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
