"""Posting statement batches to an LRS, and sorting its answer into what the forwarder does next."""

from __future__ import annotations

import email.utils
import enum
import time
from dataclasses import dataclass
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter

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


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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
    """One long-lived keep-alive HTTP session to one LRS's statements resource."""

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
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=4, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.auth = (key, secret)
        self.session.headers.update(
            {
                "X-Experience-API-Version": XAPI_VERSION,
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": user_agent,
            }
        )

    def post_statements(self, bodies: list[str]) -> Answer:
        """POST the statements as one JSON array."""
        payload = ("[" + ",".join(bodies) + "]").encode("utf-8")
        try:
            response = self.session.post(self.url, data=payload, timeout=self.timeout)
        except requests.Timeout as exc:
            return Answer(Verdict.TRANSIENT, None, f"timed out: {exc}")
        except requests.ConnectionError as exc:
            return Answer(Verdict.TRANSIENT, None, f"connection failed: {exc}")
        except requests.RequestException as exc:
            return Answer(Verdict.TRANSIENT, None, f"request failed: {exc}")
        verdict = verdict_for(response.status_code)
        retry_after = None
        if verdict is Verdict.THROTTLED:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Answer(
            verdict, response.status_code, response.text[:RESPONSE_TEXT_LIMIT], retry_after
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()
