"""The grade sender: lease due scores, POST them to `{lineitem}/scores`, settle each row.

A 2xx settles a score as sent; 400, 404, 410 and 422 dead-letter it with the platform's
answer (retrying cannot fix the request); 401 renews the access token once and tries again;
anything else (429, 5xx, other 4xx, connection errors, timeouts, a failing token endpoint)
keeps it pending with the core's jittered exponential backoff, or after Retry-After.
Throttling and outages hold every score of that platform until the delay has passed.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.grades import queue
from lti_tool.grades.line_items import ColumnNotReady, LineItems
from lti_tool.grades.token import TokenClient, TokenError, TokenTarget
from lti_tool.models import Platform
from xapi.queue import (
    TEXT_LIMIT,
    Backoff,
    Holds,
    LeaseTokens,
    SenderConfig,
    Worker,
    parse_retry_after,
    utcnow,
)

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
FINAL_REFUSALS = frozenset({400, 404, 410, 422})


def scores_url(lineitem: str) -> str:
    """Return the score publish URL of a line item (`/scores` goes before any query)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores", fragment=""))


@dataclass(frozen=True)
class GradeConfig(SenderConfig):
    """Batch size, HTTP timeouts, backoff, polling and lease of the grade sender."""

    batch_size: int = 50

    @classmethod
    def from_settings(cls, settings) -> GradeConfig:
        """Use the forwarder's batch size, timeouts, backoff, polling and lease settings."""
        return cls(**cls.settings_values(settings, "forwarder_"))


@dataclass(frozen=True)
class Outcome:
    """What became of one score: sent, dead, retry (counted) or held (not counted)."""

    kind: str
    status: int | None = None
    text: str = ""
    delay: float = 0.0
    lineitem: str = ""  # where a sent score went


class GradeSender(Worker):
    """Send queued scores; `run_once()` for one batch, `start()` for a background thread."""

    thread_name = "leadpath-grades"

    def __init__(self, sessions: sessionmaker[Session], keys: Callable, config: GradeConfig):
        super().__init__()
        self.sessions = sessions
        self.config = config
        self.lease_tokens = LeaseTokens()
        self.backoff = Backoff(config.backoff_seconds, config.backoff_max_seconds)
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "leadpath-grades"
        self.timeout = (config.connect_timeout, config.read_timeout)
        self.tokens = TokenClient(self.http, keys, self.timeout)
        self.line_items = LineItems(sessions, self.http, self.tokens, self.timeout)
        self._holds = Holds()  # platforms backing off after a failure

    def run_once(self) -> Counter:
        """Lease one batch of due scores, send them and record the outcomes; count by kind."""
        lease_token = self.lease_tokens.new()
        with self.sessions.begin() as session:
            leased = queue.lease_due(
                session, lease_token, self.config.batch_size, self.config.lease_seconds
            )
        if not leased:
            return Counter()
        targets = self._targets({row.platform_id for row in leased})
        # Stop sending well before the lease ends, so no other sender takes a row in flight.
        stop_at = time.monotonic() + self.config.lease_seconds / 2
        outcomes = [
            (row, self._deliver(targets.get(row.platform_id), row, stop_at)) for row in leased
        ]
        with self.sessions.begin() as session:
            for row, outcome in outcomes:
                self._settle(session, lease_token, row, outcome)
        return Counter(outcome.kind for _, outcome in outcomes)

    def send_due(
        self, max_batches: int = 1000, on_batch: Callable[[Counter], None] | None = None
    ) -> Counter:
        """Send batches until no score is due; count outcomes by kind (each batch to `on_batch`)."""
        total: Counter = Counter()
        for _ in range(max_batches):
            done = self.run_once()
            if not done:
                break
            total.update(done)
            if on_batch is not None:
                on_batch(done)
        return total

    def _targets(self, platform_ids: set[int]) -> dict[int, TokenTarget]:
        with self.sessions() as session:
            rows = session.execute(
                select(
                    Platform.id,
                    Platform.client_id,
                    Platform.auth_token_url,
                    Platform.token_audience,
                ).where(Platform.id.in_(platform_ids))
            )
            return {row.id: TokenTarget(*row) for row in rows}

    def _deliver(self, target: TokenTarget | None, row: queue.LeasedScore, stop_at) -> Outcome:
        if target is None:
            return self._retry(row, "the platform registration no longer exists")
        if time.monotonic() >= stop_at:
            return Outcome("held")
        wait = self._holds.remaining(target.platform_id)
        if wait > 0:
            return Outcome("held", delay=wait)
        lineitem = row.lineitem
        if not lineitem:
            try:
                lineitem = self.line_items.url_for(target, row.line_item or {})
            except ColumnNotReady as exc:
                outcome = self._column_failed(row, exc)
                if outcome.kind == "retry" and outcome.status not in (401, 403):
                    self._holds.hold(target.platform_id, outcome.delay)
                return outcome
        outcome = self._post(target, row, lineitem)
        if outcome.kind == "retry" and outcome.status not in (401, 403):
            self._holds.hold(target.platform_id, outcome.delay)
        return outcome

    def _column_failed(self, row: queue.LeasedScore, exc: ColumnNotReady) -> Outcome:
        if exc.status is None:  # another sender is making the column: wait for it
            return Outcome("held", delay=1.0)
        if exc.status in FINAL_REFUSALS:
            return Outcome("dead", exc.status, str(exc))
        return self._retry(row, str(exc), exc.status or None, exc.retry_after)

    def _post(self, target: TokenTarget, row: queue.LeasedScore, lineitem: str) -> Outcome:
        body = json.dumps(row.body)
        for renewed in (False, True):
            try:
                token = self.tokens.token(target, (queue.SCORE_SCOPE,))
            except TokenError as exc:
                return self._retry(row, str(exc), exc.status, exc.retry_after)
            try:
                response = self.http.post(
                    scores_url(lineitem),
                    data=body,
                    headers={"Content-Type": SCORE_TYPE, "Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                return self._retry(row, f"{type(exc).__name__}: {exc}")
            status, text = response.status_code, response.text[:TEXT_LIMIT]
            if 200 <= status < 300:
                return Outcome("sent", status, text, lineitem=lineitem)
            if status == 401 and not renewed:
                self.tokens.forget(target)
                continue
            if status in FINAL_REFUSALS:
                return Outcome("dead", status, text)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return self._retry(row, f"HTTP {status}: {text}", status, retry_after)
        raise AssertionError("unreachable")

    def _retry(self, row, error: str, status=None, retry_after: float | None = None) -> Outcome:
        """Return a retry after Retry-After (up to a day), else after the backoff's delay."""
        return Outcome("retry", status, error, self.backoff.delay(row.attempts, retry_after))

    def _settle(
        self, session: Session, lease_token: str, row: queue.LeasedScore, outcome: Outcome
    ) -> None:
        if outcome.kind == "sent":
            queue.mark_sent(
                session, row.id, lease_token, outcome.status, outcome.text, outcome.lineitem
            )
        elif outcome.kind == "dead":
            queue.mark_dead(session, row.id, lease_token, outcome.status, outcome.text)
            log.warning("Platform refused grade %s: HTTP %s", row.id, outcome.status)
        else:
            when = utcnow() + timedelta(seconds=outcome.delay)
            error = outcome.text if outcome.kind == "retry" else None
            queue.mark_retry(session, row.id, lease_token, error, when)
            if error:
                log.info("Grade %s not sent (%s); retry in %.1fs", row.id, error, outcome.delay)

    # -- thread ---------------------------------------------------------------------------

    def run(self) -> None:
        """Send until `stop()`, waiting `poll_seconds` whenever a batch was not full."""
        try:
            while not self._stop.is_set():
                try:
                    done = sum(self.run_once().values())
                except Exception:  # noqa: BLE001 - a database hiccup must not end sending
                    log.exception("Grade sending pass failed; retrying")
                    done = 0
                if done < self.config.batch_size:
                    self._stop.wait(self.config.poll_seconds)
        finally:
            self.http.close()

    def close(self) -> None:
        """Close the HTTP session (when not running as a thread)."""
        self.http.close()
