"""A scriptable xAPI LRS on loopback: stores statements by id and can misbehave on request.

Each POST /statements takes the next scripted answer (default: store):
  "ok"                      store the batch (atomic), 200 with the ids
  ("status", code)          answer `code` (500, 401, …) without storing
  ("status", code, after)   answer `code` with a Retry-After header (seconds or HTTP date)
  ("stall", seconds)        sleep past the client's read timeout, then store and answer 200
  "drop"                    store and answer 200, then close the kept-alive connection unannounced
`delay` slows every store (not refusals).
A batch holding a statement whose verb id contains "bad" is refused with 400 naming it, and
a batch holding an id already stored is refused with 409; neither stores anything.
`stop()` closes the socket (connections refused) and `start()` reopens it on the same port.
With `tls=(certificate, key)` it answers over HTTPS.
`versions` are the xAPI versions it speaks (default 1.0.3 only): GET /about lists them (404
when `about` is False, as an LRS without the About resource), and a POST whose
X-Experience-API-Version is not one of them is refused with 400 naming the version.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LrsStandIn:
    """An in-memory LRS with a script of faults; counts every receipt per statement id."""

    def __init__(self, key: str = "key", secret: str = "secret", delay: float = 0.0, tls=None):
        self.tls = tls
        self.versions = ["1.0.3"]
        self.about = True
        self.about_reads = 0
        self.sent_versions: list[str] = []  # the version header of each POST
        self.credentials = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.delay = delay
        self.script: list = []
        self.stored: dict[str, dict] = {}
        self.store_order: list[str] = []
        self.receipts: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.overlaps: list[str] = []
        self.requests: list[tuple[float, int, list[str]]] = []
        self.senders: list[tuple[str, int]] = []  # (User-Agent, statements) per request
        self.peers: list[tuple[str, int]] = []  # the client address of each request
        self.paths: list[str] = []  # the request target of each request
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def endpoint(self) -> str:
        """Return the xAPI endpoint URL."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/xapi"

    def start(self) -> None:
        """Listen (again) on the stand-in's port."""
        handler = type("Handler", (_Handler,), {"lrs": self})
        self.server = _QuietServer(("127.0.0.1", self.port), handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening, so connections are refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def next_answer(self):
        """Pop the next scripted answer."""
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    def statuses(self) -> list[int]:
        """Return the status of every request answered so far."""
        return [status for _, status, _ in self.requests]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client killed or timed out mid-request is part of the script


class _Handler(BaseHTTPRequestHandler):
    lrs: LrsStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 65536  # headers and body leave in one write (no delayed-ACK stalls)

    def log_message(self, *_args) -> None:
        pass

    def _answer(self, status: int, body, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        lrs = self.lrs
        if self.path.split("?")[0] != "/xapi/about" or not lrs.about:
            self._answer(404, {"error": "not found"})
            return
        with lrs.lock:
            lrs.about_reads += 1
        self._answer(200, {"version": list(lrs.versions)}, {"X-Experience-API-Version": "1.0.3"})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        lrs = self.lrs
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        statements = json.loads(raw)
        ids = [s["id"] for s in statements]
        with lrs.lock:
            lrs.receipts.update(ids)
            lrs.senders.append((self.headers.get("User-Agent", ""), len(ids)))
            lrs.peers.append(self.client_address)
            lrs.paths.append(self.path)
            lrs.sent_versions.append(self.headers.get("X-Experience-API-Version", ""))
            lrs.overlaps.extend(i for i in ids if lrs.in_flight[i])
            lrs.in_flight.update(ids)
        try:
            status, body, headers = self._handle(statements, ids)
        finally:
            with lrs.lock:
                lrs.in_flight.subtract(ids)
                lrs.requests.append((time.monotonic(), status, ids))
        self._answer(status, body, headers)

    def _handle(self, statements: list[dict], ids: list[str]):
        lrs = self.lrs
        if self.headers.get("Authorization") != lrs.credentials:
            return 401, {"error": "bad credentials"}, {}
        version = self.headers.get("X-Experience-API-Version")
        if version not in lrs.versions:
            return 400, {"error": f"X-Experience-API-Version {version} is not supported"}, {}
        answer = lrs.next_answer()
        if isinstance(answer, tuple) and answer[0] == "status":
            headers = {"Retry-After": str(answer[2])} if len(answer) > 2 else {}
            return answer[1], {"error": f"scripted {answer[1]}"}, headers
        if isinstance(answer, tuple) and answer[0] == "stall":
            time.sleep(answer[1])
        if answer == "drop":
            self.close_connection = True  # as an LRS whose keep-alive timeout has passed
        bad = [s["id"] for s in statements if "bad" in s.get("verb", {}).get("id", "")]
        if bad:
            return 400, {"error": f"statement {bad[0]} has an unacceptable verb"}, {}
        with lrs.lock:
            held = [i for i in ids if i in lrs.stored]
        if held:
            return 409, {"error": f"statement {held[0]} already exists"}, {}
        if lrs.delay:
            time.sleep(lrs.delay)  # a slow store, in flight while the forwarder waits
        with lrs.lock:
            for statement in statements:
                lrs.stored[statement["id"]] = statement
                lrs.store_order.append(statement["id"])
        return 200, ids, {}
