"""The forwarder: ships leased batches to every destination LRS and records each answer.

One loop routes new statements to destinations; each destination's sending threads (lanes)
lease a batch in a short transaction, send it with no transaction open, then record the
outcome in another.
A batch refused with 400 (or 409) is bisected so only the bad statements stop; 401/403 pause
the destination; everything else is retried with capped, fully jittered exponential backoff
(or after Retry-After). Nothing is dropped.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from xapi.outbox import queue
from xapi.outbox.client import Answer, LrsClient, StatementSink, Verdict
from xapi.outbox.config import ForwarderConfig
from xapi.outbox.destinations import (
    EMBEDDED,
    ensure_embedded_destination,
    pause_destination,
    sync_settings_destinations,
)
from xapi.outbox.models import Destination, utcnow

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

ROUTE_BATCH = 1000
RETRY_AFTER_LIMIT = 86400.0


@dataclass
class Settlement:
    """What one send of a leased batch came to."""

    delivered: list[queue.LeasedStatement] = field(default_factory=list)
    dead: list[tuple[queue.LeasedStatement, Answer]] = field(default_factory=list)
    unsent: list[queue.LeasedStatement] = field(default_factory=list)
    failure: Answer | None = None


def send_bisecting(sink: StatementSink, leased: list[queue.LeasedStatement]) -> Settlement:
    """Send a batch; split it on 400/409 until the refused statements stand alone.

    Halves go in order, so a learner's statements still reach the LRS in sequence. The first
    failure that is not about a statement (401, 429, 5xx, network) stops the batch: that
    chunk and everything after it is left unsent.
    """
    settled = Settlement()
    chunks = [leased]
    while chunks:
        chunk = chunks.pop(0)
        answer = sink.post_statements([item.body for item in chunk])
        verdict = answer.verdict
        if verdict is Verdict.STORED:
            settled.delivered.extend(chunk)
        elif verdict in (Verdict.CONFLICT, Verdict.REJECTED) and len(chunk) > 1:
            middle = len(chunk) // 2
            chunks[:0] = [chunk[:middle], chunk[middle:]]
        elif verdict is Verdict.CONFLICT:
            settled.delivered.extend(chunk)  # the LRS already holds this id
        elif verdict is Verdict.REJECTED:
            settled.dead.append((chunk[0], answer))
        else:
            settled.failure = answer
            settled.unsent = chunk + [item for rest in chunks for item in rest]
            break
    return settled


class Forwarder:
    """Forward the outbox to its destinations; `run()` in the foreground or `start()` a thread.

    `only` limits sending to the named destinations (routing still covers all of them).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: ForwarderConfig,
        *,
        embedded: Callable[[], StatementSink] | None = None,
        only: tuple[str, ...] = (),
    ):
        self.sessions = sessions
        self.config = config
        self.embedded = embedded
        self.only = only
        self.instance = uuid.uuid4().hex[:8]
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{self.instance}"
        self._credentials = {d.name: (d.key, d.secret) for d in config.destinations}
        self._sinks: dict[tuple[int, int], StatementSink] = {}
        self._not_before: dict[int, float] = {}
        self._stop = threading.Event()
        self._threads: dict[tuple[int, int], threading.Thread] = {}
        self._thread: threading.Thread | None = None

    # -- destinations ---------------------------------------------------------------------

    def prepare(self) -> None:
        """Bring settings destinations into the database; use the embedded LRS if none exist."""
        with self.sessions.begin() as session:
            sync_settings_destinations(session, self.config.destinations)
            others = session.scalar(
                select(Destination.id).where(Destination.active, Destination.name != EMBEDDED)
            )
            embedded = session.scalar(select(Destination).where(Destination.name == EMBEDDED))
            if others is None and self.embedded is not None:
                ensure_embedded_destination(session).active = True
            elif embedded is not None:
                embedded.active = False

    def _sink(self, destination: Destination, lane: int) -> StatementSink | None:
        sink = self._sinks.get((destination.id, lane))
        if sink is not None:
            return sink
        if destination.name == EMBEDDED and destination.source == "embedded":
            sink = self.embedded() if self.embedded else None
        else:
            key, secret = self._credentials.get(destination.name, (None, None))
            if destination.source != "settings":
                key, secret = destination.key, destination.secret
            if key is None or secret is None:
                return None
            sink = LrsClient(
                destination.endpoint,
                key,
                secret,
                connect_timeout=self.config.connect_timeout,
                read_timeout=self.config.read_timeout,
                user_agent=f"leadpath-forwarder/{self.instance}",
            )
        if sink is not None:
            self._sinks[destination.id, lane] = sink
        return sink

    # -- one pass ---------------------------------------------------------------------------

    def route(self) -> int:
        """Route every unrouted statement to the active destinations; return how many."""
        total = 0
        while True:
            with self.sessions.begin() as session:
                targets = list(session.scalars(select(Destination).where(Destination.active)))
                routed = queue.route_new_statements(session, targets, ROUTE_BATCH)
            total += routed
            if routed < ROUTE_BATCH:
                return total

    def forwardable(self) -> list[int]:
        """Return the ids of active, unpaused destinations."""
        query = select(Destination.id).where(Destination.active, Destination.paused_at.is_(None))
        if self.only:
            query = query.where(Destination.name.in_(self.only))
        with self.sessions() as session:
            return list(session.scalars(query))

    def forward_batch(self, destination_id: int, lane: int = 0) -> int | None:
        """Lease, send and settle one batch; return statements settled, or None to stop."""
        if time.monotonic() < self._not_before.get(destination_id, 0.0):
            return 0
        token = f"{self.worker_id}:{uuid.uuid4().hex[:8]}"
        with self.sessions.begin() as session:
            destination = session.get(Destination, destination_id)
            if destination is None or not destination.active or destination.paused_at:
                return None
            sink = self._sink(destination, lane)
            if sink is None:
                return None
            leased = queue.lease_batch(
                session,
                destination_id,
                token,
                batch_size=self.config.batch_size,
                lease_seconds=self.config.lease_seconds,
            )
        if not leased:
            return 0
        settled = send_bisecting(sink, leased)
        self._settle(destination_id, settled)
        return len(settled.delivered) + len(settled.dead)

    def _settle(self, destination_id: int, settled: Settlement) -> None:
        now = utcnow()
        with self.sessions.begin() as session:
            queue.mark_delivered(session, [s.delivery_id for s in settled.delivered], now)
            for statement, answer in settled.dead:
                queue.mark_dead(session, destination_id, statement, answer.status, answer.text)
            failure = settled.failure
            unsent_ids = [s.delivery_id for s in settled.unsent]
            if failure is None:
                return
            if failure.verdict is Verdict.UNAUTHORIZED:
                reason = f"LRS answered HTTP {failure.status}: {failure.text}".strip()
                pause_destination(session, destination_id, reason[: queue.ERROR_TEXT_LIMIT])
                queue.release(session, unsent_ids)
                log.warning("Paused LRS destination %s: %s", destination_id, reason)
                return
            delay = self._delay(failure, max(s.attempts for s in settled.unsent))
            self._not_before[destination_id] = time.monotonic() + delay
            error = f"HTTP {failure.status}: {failure.text}" if failure.status else failure.text
            queue.mark_retry(session, unsent_ids, error, now + timedelta(seconds=delay))
            log.info("LRS destination %s failed (%s); retry in %.1fs", destination_id, error, delay)

    def _delay(self, failure: Answer, attempts: int) -> float:
        """Return Retry-After when given (up to a day), else capped full-jitter backoff."""
        if failure.retry_after is not None:
            return min(failure.retry_after, RETRY_AFTER_LIMIT)
        ceiling = min(self.config.backoff_max_seconds, self.config.backoff_seconds * 2**attempts)
        return random.uniform(0, ceiling)

    def run_once(self) -> int:
        """Route, then forward one batch per destination; return statements settled."""
        self.route()
        return sum(self.forward_batch(dest) or 0 for dest in self.forwardable())

    # -- running ----------------------------------------------------------------------------

    def run(self) -> None:
        """Forward until `stop()`: one routing loop here, one sending thread per destination."""
        self.prepare()
        try:
            while not self._stop.is_set():
                try:
                    self.route()
                    for destination_id in self.forwardable():
                        for lane in range(self.config.lanes):
                            thread = self._threads.get((destination_id, lane))
                            if thread is None or not thread.is_alive():
                                self._threads[destination_id, lane] = self._start_lane(
                                    destination_id, lane
                                )
                except Exception:  # noqa: BLE001 - a database hiccup must not end forwarding
                    log.exception("Outbox routing failed; retrying")
                self._stop.wait(self.config.poll_seconds)
        finally:
            for thread in self._threads.values():
                thread.join()
            self.close()

    def _start_lane(self, destination_id: int, lane: int) -> threading.Thread:
        thread = threading.Thread(
            target=self._lane_loop,
            args=(destination_id, lane),
            name=f"leadpath-forwarder-{destination_id}-{lane}",
            daemon=True,
        )
        thread.start()
        return thread

    def _lane_loop(self, destination_id: int, lane: int) -> None:
        while not self._stop.is_set():
            try:
                settled = self.forward_batch(destination_id, lane)
            except Exception:  # noqa: BLE001 - keep the destination's loop alive
                log.exception("Forwarding to LRS destination %s failed", destination_id)
                settled = 0
            if settled is None:
                return
            if settled == 0:
                backing_off = self._not_before.get(destination_id, 0.0) - time.monotonic()
                poll = self.config.poll_seconds
                self._stop.wait(min(backing_off, poll) if backing_off > 0 else poll)

    def start(self) -> threading.Thread:
        """Run the forwarder in a daemon thread; `stop()` ends it."""
        self._thread = threading.Thread(target=self.run, name="leadpath-forwarder", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        """Ask every loop to finish its current batch and wait for the thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def close(self) -> None:
        """Close the HTTP sessions."""
        for sink in self._sinks.values():
            sink.close()
        self._sinks.clear()
