"""Posting statement batches to an LRS, and sorting its answer into what the forwarder does next."""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Retry

from xapi.outbox.versions import XAPI_1, fit_statement, pick_version
from xapi.queue import parse_retry_after

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
    """The LRS's answer to one POST: verdict, status, text, any Retry-After, xAPI version.

    `version` is the one the batch was sent in (None for the embedded LRS, which takes any).
    """

    verdict: Verdict
    status: int | None
    text: str
    retry_after: float | None = None
    version: str | None = None


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


class ResendOnDrop(Retry):
    """Send a request again, once, when its kept-alive connection dropped before any answer.

    Statements carry ids, so an LRS receiving a batch twice keeps it once. A read timeout is
    never resent: the LRS may still be storing the batch, and the forwarder's backoff decides.
    """

    def increment(self, method=None, url=None, response=None, error=None, **kwargs):
        """Give up at once on a read timeout; otherwise count the retry as urllib3 does."""
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, **kwargs)


def environment_settings(session: requests.Session, url: str) -> dict:
    """Return the proxies and CA bundle `requests` takes from the environment for `url`.

    HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE)
    are honoured the ordinary way, by requests itself.
    """
    settings = session.merge_environment_settings(url, {}, None, None, None)
    return {"proxies": settings["proxies"], "verify": settings["verify"]}


class LrsClient:
    """One LRS's statements resource behind one `requests.Session`, shared by its lanes.

    The environment (proxies, CA bundle) is read once, when the client is made, and fixed on
    the session (`trust_env` off): `requests` would otherwise read it again on every POST
    (0.1–0.2 ms of CPU a batch, measured). Each batch is a copy of one prepared request with a
    new body; the session's pool keeps up to `pool_size` connections alive (one per lane).

    Batches go in the xAPI version the LRS's About resource names (2.0.0 when offered, else
    1.0.3). About is read before the first batch, again after `about_seconds`, before the next
    batch after a failure, and at once when a batch is refused with 400: if the LRS now speaks
    another version, the batch is sent again in it rather than taken for a bad statement.
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
        pool_size: int = 1,
        about_seconds: float = 3600.0,
    ):
        self.endpoint = endpoint.rstrip("/")
        self.url = self.endpoint + "/statements"
        self.timeout = (connect_timeout, read_timeout)
        session = requests.Session()
        settings = environment_settings(session, self.url)
        session.trust_env = False
        session.proxies, session.verify = settings["proxies"], settings["verify"]
        adapter = HTTPAdapter(
            pool_connections=1,
            pool_maxsize=max(1, pool_size),
            max_retries=ResendOnDrop(
                total=1,
                connect=0,
                read=1,
                status=0,
                other=0,
                redirect=0,
                allowed_methods=None,
                raise_on_status=False,
            ),
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.credentials = (key, secret)
        session.auth = self.credentials
        session.headers.update({"User-Agent": user_agent})
        self.session = session
        self.about_seconds = about_seconds
        self.version = XAPI_1  # until About says otherwise
        self._about_due = 0.0  # monotonic time of the next About read; 0: before the next batch
        self._about_lock = threading.Lock()
        self._templates: dict[str, requests.PreparedRequest] = {}

    def _template(self, version: str) -> requests.PreparedRequest:
        template = self._templates.get(version)
        if template is None:
            headers = {
                "X-Experience-API-Version": version,
                "Content-Type": "application/json; charset=utf-8",
            }
            request = requests.Request("POST", self.url, data=b"[]", headers=headers)
            template = self._templates[version] = self.session.prepare_request(request)
        return template

    def negotiate(self, *, force: bool = False) -> str:
        """Return the version to send in, reading the LRS's About when due (or `force`).

        An LRS that answers About with no version it knows (404: no About resource) gets
        1.0.3 until About is due again; one that cannot be reached, or answers 5xx, keeps the
        version as it was (1.0.3 at first) and is asked again before the next batch.
        """
        if not force and time.monotonic() < self._about_due:
            return self.version
        with self._about_lock:
            if not force and time.monotonic() < self._about_due:
                return self.version
            try:
                response = self.session.get(
                    self.endpoint + "/about",
                    headers={"X-Experience-API-Version": self.version},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                answered = response.status_code < 500
                offered = response.json().get("version") if response.ok else None
            except (requests.RequestException, ValueError, AttributeError):
                answered, offered = False, None
            picked = pick_version(offered) or (XAPI_1 if answered else None)
            if picked is None:
                self._about_due = 0.0
            else:
                self.version = picked
                self._about_due = time.monotonic() + self.about_seconds
            return self.version

    def post_statements(self, bodies: list[str]) -> Answer:
        """POST the statements as one JSON array, in the version the LRS speaks."""
        version = self.negotiate()
        answer = self._post(bodies, version)
        if answer.verdict is Verdict.REJECTED and self.negotiate(force=True) != version:
            answer = self._post(bodies, self.version)  # refused for the version, not a statement
        if answer.verdict not in (Verdict.STORED, Verdict.CONFLICT, Verdict.REJECTED):
            self._about_due = 0.0  # the LRS may have changed: ask again before the next batch
        return answer

    def _post(self, bodies: list[str], version: str) -> Answer:
        payload = ("[" + ",".join(fit_statement(body) for body in bodies) + "]").encode()
        request = self._template(version).copy()
        request.body = payload
        request.headers["Content-Length"] = str(len(payload))
        try:
            response = self.session.send(request, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout as exc:
            return Answer(Verdict.TRANSIENT, None, f"timed out: {exc}", version=version)
        except requests.ConnectionError as exc:
            return Answer(Verdict.TRANSIENT, None, f"connection failed: {exc}", version=version)
        except requests.RequestException as exc:
            return Answer(Verdict.TRANSIENT, None, f"request failed: {exc}", version=version)
        return _answer(
            response.status_code,
            response.headers.get("Retry-After"),
            _text(response.content),
            version,
        )

    def close(self) -> None:
        """Close the kept-alive connections."""
        self.session.close()


def _answer(status: int, retry_after: str | None, text: str, version: str) -> Answer:
    verdict = verdict_for(status)
    seconds = parse_retry_after(retry_after) if verdict is Verdict.THROTTLED else None
    return Answer(verdict, status, text, seconds, version)


def _text(raw: bytes) -> str:
    """Return the start of an answer's body as text, for operators and dead letters."""
    return raw[: 4 * RESPONSE_TEXT_LIMIT].decode("utf-8", "replace")[:RESPONSE_TEXT_LIMIT]
