"""Reading statements back with the xAPI statements query (GET /statements), following `more`.

One reader, two ways to reach an LRS, the same answers:

- `HttpTransport` asks any conformant LRS over HTTP: one `requests.Session`, a (connect, read)
  timeout on every request, retries of 429/502/503/504 that honour Retry-After, the
  X-Experience-API-Version header, HTTP Basic credentials. A `more` link is followed only on
  the endpoint's own scheme, host and port, so an LRS cannot send the credentials elsewhere.
- `EmbeddedTransport` asks the embedded LRS in this process: its own HTTP layer (the same
  parameter checks, formats and `more` links as over the network) is called through Flask's
  test client with a read-only key that exists only in memory, so no credential is stored.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

XAPI_VERSION = "1.0.3"
# The filters of GET /statements (xAPI 1.0.3, Data section 2.1.3), sent as given.
QUERY_PARAMETERS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "ascending",
    "format",
)


def _sentence(name: str) -> str:
    """Return a name to start a sentence with."""
    return name[:1].upper() + name[1:]


class ReadError(Exception):
    """The LRS could not be reached or refused the query; the message says which, and why."""


class Transport(Protocol):
    """A way to GET a statements URL (relative to the LRS's endpoint) and read its JSON."""

    name: str  # for sentences: "the embedded LRS", "the LRS at https://…"

    def get(self, url: str, params: dict[str, str] | None) -> dict:
        """Return the JSON answer of one GET, or raise ReadError."""

    def close(self) -> None:
        """Release connections."""


@dataclass
class Reading:
    """What a reading has done so far: statements yielded, requests made, whether more remain."""

    statements: int = 0
    requests: int = 0
    more_left: bool = False


def read_statements(
    transport: Transport, params: dict[str, str], *, most: int = 0, reading: Reading | None = None
) -> Iterator[list[dict]]:
    """Yield pages of statements matching `params`, following `more` until the end.

    With `most`, stop once that many statements have been yielded (the last page is cut).
    `reading` (if given) is kept up to date as pages arrive.
    """
    unknown = sorted(set(params) - set(QUERY_PARAMETERS))
    if unknown:
        raise ReadError(f"{unknown[0]} is not a filter of the xAPI statements query.")
    reading = reading if reading is not None else Reading()
    url: str | None = "statements"
    query: dict[str, str] | None = dict(params)
    while url:
        document = transport.get(url, query)
        reading.requests += 1
        statements, more = _page(document, transport.name)
        if most and reading.statements + len(statements) >= most:
            cut = most - reading.statements
            reading.more_left = bool(more) or len(statements) > cut
            statements = statements[:cut]
            url = None
        else:
            url, query = more or None, None  # a more link carries the query itself
        reading.statements += len(statements)
        if statements:
            yield statements


def _page(document: Any, name: str) -> tuple[list[dict], str]:
    if not isinstance(document, dict) or not isinstance(document.get("statements"), list):
        raise ReadError(f"{_sentence(name)} did not answer with a StatementResult.")
    more = document.get("more") or ""
    if not isinstance(more, str):
        raise ReadError(f"{_sentence(name)} answered with a `more` that is not a link.")
    return document["statements"], more


def _refusal(name: str, status: int, body: str) -> ReadError:
    try:
        message = json.loads(body).get("message") or body
    except (ValueError, AttributeError):
        message = body
    message = " ".join(str(message).split())[:500]
    if status in (401, 403):
        return ReadError(
            f"{_sentence(name)} refused the credentials (HTTP {status}): {message} "
            "Check the key and secret, and that the key may read statements."
        )
    return ReadError(f"{_sentence(name)} refused the query (HTTP {status}): {message}")


class HttpTransport:
    """GET requests to one LRS's xAPI endpoint over HTTP."""

    def __init__(
        self,
        endpoint: str,
        key: str,
        secret: str,
        *,
        timeout: tuple[float, float] = (3.05, 30.0),
        retries: int = 3,
        languages: str | None = None,
    ):
        self.endpoint = endpoint.rstrip("/") + "/"
        self.name = f"the LRS at {self.endpoint}"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (key, secret)
        self.session.headers.update(
            {
                "X-Experience-API-Version": XAPI_VERSION,
                "Accept": "application/json",
                "User-Agent": "leadpath-statements-query",
            }
        )
        if languages:
            self.session.headers["Accept-Language"] = languages
        retry = Retry(
            total=retries,
            backoff_factor=0.5,
            status_forcelist=(429, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._origin = urlsplit(self.endpoint)[:2]

    def get(self, url: str, params: dict[str, str] | None) -> dict:
        """GET `url` (a path under the endpoint, or a more link) and return its JSON."""
        absolute, lrs = urljoin(self.endpoint, url), _sentence(self.name)
        if urlsplit(absolute)[:2] != self._origin:
            raise ReadError(f"{lrs} sent a `more` link to another server: {absolute}")
        try:
            answer = self.session.get(absolute, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        if answer.status_code != 200:
            raise _refusal(self.name, answer.status_code, answer.text)
        try:
            return answer.json()
        except ValueError:
            raise ReadError(f"{lrs} answered with something other than JSON.") from None

    def _unreachable(self, exc: requests.RequestException) -> ReadError:
        """Say why no answer came: a timeout, or the connection's own error."""
        lrs = _sentence(self.name)
        reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else exc
        if isinstance(reason, NewConnectionError):  # (a subclass of urllib3's timeout error)
            return ReadError(f"{lrs} could not be reached: the connection was refused or failed.")
        if isinstance(exc, requests.Timeout) or isinstance(reason, TimeoutError | Urllib3Timeout):
            connect, read = self.timeout
            return ReadError(
                f"{lrs} did not answer in time (waited {connect:g} s to connect, {read:g} s "
                "for each answer)."
            )
        return ReadError(f"{lrs} could not be reached: {reason}")

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()


class _MemoryKey:
    """Stands for the LRS's credential store: one read-only key, known to this process only."""

    def __init__(self, home_page: str):
        from xapi.lrs import Principal, authority_for

        self.key, self.secret = "in-process-reader", secrets.token_urlsafe(24)
        self.principal = Principal(
            key=self.key,
            name="leadpath statements query",
            scopes=frozenset({"all/read"}),
            authority=authority_for(self.key, "leadpath statements query", home_page),
        )

    def verify(self, key: str, secret: str):
        """Return the read-only principal for this process's key, else None."""
        if key == self.key and secrets.compare_digest(secret.encode(), self.secret.encode()):
            return self.principal
        return None


class EmbeddedTransport:
    """GET requests to the embedded LRS's own HTTP layer, in this process (no network, no key)."""

    def __init__(self, engine, home_page: str, *, languages: str | None = None):
        from flask import Flask

        from xapi.lrs import http

        app = Flask("leadpath-reader")
        lrs = http.init_app(app, engine, home_page)
        memory = _MemoryKey(home_page)
        lrs.auth = memory
        self.name = "the embedded LRS"
        self._prefix = http.PREFIX
        self._client = app.test_client()
        token = base64.b64encode(f"{memory.key}:{memory.secret}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": XAPI_VERSION,
        }
        if languages:
            self._headers["Accept-Language"] = languages

    def get(self, url: str, params: dict[str, str] | None) -> dict:
        """GET `url` (statements, or a more link) from the LRS and return its JSON."""
        path = url if url.startswith("/") else f"{self._prefix}/{url}"
        answer = self._client.get(path, query_string=params, headers=self._headers)
        if answer.status_code != 200:
            raise _refusal(self.name, answer.status_code, answer.get_data(as_text=True))
        return answer.get_json()

    def close(self) -> None:
        """Nothing to release: the database engine belongs to the caller."""
