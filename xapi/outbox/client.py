"""Posting statement batches to an LRS, and sorting its answer into what the forwarder does next."""

from __future__ import annotations

import base64
import enum
import http.client
import os
import select
import socket
import ssl
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests
import requests.certs
import requests.utils

from xapi.queue.backoff import parse_retry_after

XAPI_VERSION = "1.0.3"
RESPONSE_TEXT_LIMIT = 2000


class Verdict(enum.Enum):
    """What an LRS answer means for the batch that was sent."""

    STORED = "stored"  # 200/204: the LRS holds every statement
    CONFLICT = "conflict"  # 409: an id is already held (stored for a single statement)
    REJECTED = "rejected"  # 400 and other 4xx: a statement is unacceptable
    UNAUTHORIZED = "unauthorized"  # 401/403: credentials refused, pause the destination
    THROTTLED = "throttled"  # 429/503: come back after Retry-After
    TRANSIENT = "transient"  # 5xx, refused connection, timeout: back off and retry


@dataclass(frozen=True)
class Answer:
    """The LRS's answer to one POST: its verdict, status, text and any Retry-After seconds."""

    verdict: Verdict
    status: int | None
    text: str
    retry_after: float | None = None


class StatementSink(Protocol):
    """Anything that can take a batch of statements given as JSON texts."""

    def post_statements(self, bodies: list[str]) -> Answer:
        """Send the statements; return how the destination answered."""

    def close(self) -> None:
        """Release connections."""


def verdict_for(status: int) -> Verdict:
    """Map an HTTP status of a statements POST to a verdict."""
    if 200 <= status < 300:
        return Verdict.STORED
    if status == 409:
        return Verdict.CONFLICT
    if status in (401, 403):
        return Verdict.UNAUTHORIZED
    if status in (429, 503):
        return Verdict.THROTTLED
    if status == 408 or status >= 500:
        return Verdict.TRANSIENT
    return Verdict.REJECTED


class LrsClient:
    """One long-lived keep-alive connection to one LRS's statements resource.

    Batches go out over a plain `http.client` connection: `requests` spends about a millisecond
    of CPU per POST (most of it re-reading proxy settings from the environment), more than
    everything else the forwarder does for a batch. When an environment proxy (HTTP_PROXY,
    HTTPS_PROXY, NO_PROXY) applies to the endpoint, a `requests` session is used instead, as
    it honours them. TLS trusts REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set, else certifi's
    bundle, as `requests` does.
    """

    def __init__(
        self,
        endpoint: str,
        key: str,
        secret: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        user_agent: str = "leadpath-forwarder",
    ):
        self.url = endpoint.rstrip("/") + "/statements"
        self.timeout = (connect_timeout, read_timeout)
        credentials = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        self.headers = {
            "X-Experience-API-Version": XAPI_VERSION,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": user_agent,
            "Authorization": f"Basic {credentials}",
        }
        parts = urlsplit(self.url)
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self._https = parts.scheme == "https"
        self._address = (parts.hostname or "", parts.port or (443 if self._https else 80))
        self._connection: http.client.HTTPConnection | None = None
        self._tls: ssl.SSLContext | None = None
        self.session: requests.Session | None = None
        if requests.utils.get_environ_proxies(self.url):
            self.session = requests.Session()
            self.session.headers.update(self.headers)

    def post_statements(self, bodies: list[str]) -> Answer:
        """POST the statements as one JSON array."""
        payload = ("[" + ",".join(bodies) + "]").encode("utf-8")
        if self.session is not None:
            return self._post_through_proxy(payload)
        try:
            status, retry_after, text = self._post(payload)
        except TimeoutError as exc:
            self._close_connection()
            return Answer(Verdict.TRANSIENT, None, f"timed out: {exc}")
        except (OSError, http.client.HTTPException) as exc:
            self._close_connection()
            return Answer(Verdict.TRANSIENT, None, f"connection failed: {exc!r}")
        return _answer(status, retry_after, text)

    def _post(self, payload: bytes) -> tuple[int, str | None, str]:
        """Send on the kept-alive connection; a connection the LRS closed meanwhile is renewed.

        A reused connection that fails before any answer arrives is retried once on a new one
        (statements carry ids, so the LRS storing a batch twice is harmless).
        """
        connection = self._connection
        reused = connection is not None and connection.sock is not None
        if reused and _closed_by_peer(connection.sock):
            self._close_connection()
            reused = False
        if not reused:
            connection = self._connect()
        try:
            connection.request("POST", self._path, payload, self.headers)
            response = connection.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):
            if not reused:
                raise
            self._close_connection()
            connection = self._connect()
            connection.request("POST", self._path, payload, self.headers)
            response = connection.getresponse()
        raw = response.read()
        if response.will_close:
            self._close_connection()
        return response.status, response.getheader("Retry-After"), _text(raw)

    def _connect(self) -> http.client.HTTPConnection:
        connect_timeout, read_timeout = self.timeout
        host, port = self._address
        if self._https:
            if self._tls is None:
                self._tls = ssl.create_default_context(cafile=_ca_bundle())
            connection = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._tls
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        self._connection = connection
        connection.connect()
        connection.sock.settimeout(read_timeout)
        return connection

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post_through_proxy(self, payload: bytes) -> Answer:
        try:
            response = self.session.post(self.url, data=payload, timeout=self.timeout)
        except requests.Timeout as exc:
            return Answer(Verdict.TRANSIENT, None, f"timed out: {exc}")
        except requests.ConnectionError as exc:
            return Answer(Verdict.TRANSIENT, None, f"connection failed: {exc}")
        except requests.RequestException as exc:
            return Answer(Verdict.TRANSIENT, None, f"request failed: {exc}")
        return _answer(
            response.status_code, response.headers.get("Retry-After"), _text(response.content)
        )

    def close(self) -> None:
        """Close the kept-alive connection."""
        self._close_connection()
        if self.session is not None:
            self.session.close()


def _answer(status: int, retry_after: str | None, text: str) -> Answer:
    verdict = verdict_for(status)
    seconds = parse_retry_after(retry_after) if verdict is Verdict.THROTTLED else None
    return Answer(verdict, status, text, seconds)


def _text(raw: bytes) -> str:
    """Return the start of an answer's body as text, for operators and dead letters."""
    return raw[: 4 * RESPONSE_TEXT_LIMIT].decode("utf-8", "replace")[:RESPONSE_TEXT_LIMIT]


def _closed_by_peer(sock: socket.socket) -> bool:
    """Return True when an idle kept-alive socket is readable: the peer closed it."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _ca_bundle() -> str:
    """Return the CA bundle `requests` would use."""
    return (
        os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or requests.certs.where()
    )
