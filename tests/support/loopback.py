"""Real HTTP servers on 127.0.0.1 for tests: the tool itself, and a platform's JWKS endpoint."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from werkzeug.serving import make_server


@contextmanager
def serve_wsgi(app, port: int = 0):
    """Serve a WSGI app on 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class JsonEndpoint:
    """A loopback endpoint answering GET with a JSON body (optionally after a delay)."""

    def __init__(self, payload: dict, delay: float = 0.0, status: int = 200):
        self.payload, self.delay, self.status = payload, delay, status
        self.hits = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                endpoint.hits += 1
                if endpoint.delay:
                    time.sleep(endpoint.delay)
                body = json.dumps(endpoint.payload).encode()
                try:
                    self.send_response(endpoint.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """Return a loopback URL where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks"


def wait_until_answering(url: str, process=None, timeout: float = 90.0, probe=(2, 10)) -> bool:
    """Poll url until it answers 200; False if the process exits or the time runs out.

    A server may accept connections before it can answer them (gunicorn's master listens while
    its worker is still importing the app), so a probe that times out waiting for an answer is
    retried just like one whose connection is refused. `probe` is each request's
    (connect, read) timeout.
    """
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            if requests.get(url, timeout=probe).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False
