"""The forwarder: one database loop leases and settles, sending threads only do HTTP.

The loop routes new statements to destinations, records what came back from the sending
threads and leases the next batches — all in one short transaction per pass — and hands the
batches to each destination's sending threads (lanes). While one batch is in flight the next
is already leased, so the LRS never waits for the database. SQLite sees a single writer per
forwarder process.
A batch refused with 400 (or 409) is bisected so only the bad statements stop; 401/403 pause
the destination; everything else is retried with capped, fully jittered exponential backoff
(or after Retry-After). Nothing is dropped: a settlement that cannot be recorded leaves its
rows leased, and they are sent again (idempotently) once the lease runs out.
"""

from __future__ import annotations

import logging
import queue as queues
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from xapi.outbox import queue
from xapi.outbox.client import StatementSink, Verdict
from xapi.outbox.config import ForwarderConfig
from xapi.outbox.destinations import (
    pause_destination,
    sync_embedded_destination,
    sync_settings_destinations,
)
from xapi.outbox.models import Destination
from xapi.outbox.queue import Db, KeptConnection
from xapi.outbox.sending import Lanes, Settlement, send_bisecting, send_safely
from xapi.outbox.targets import Target, Targets
from xapi.queue import Backoff, Holds, Lease, LeaseTokens, Worker, answer_text, utcnow

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

ROUTE_BATCH = 1000
PREPARE_ATTEMPTS = 5
_ROUTING_COLUMNS = [Destination.__table__.c[name] for name in ("id", "platforms", "courses")]

__all__ = ["Forwarder", "Settlement", "Target", "send_bisecting"]


class Forwarder(Worker):
    """Forward the outbox to its destinations; `run()` in the foreground or `start()` a thread.

    `only` limits sending to the named destinations (routing still covers all of them).
    """

    thread_name = "leadpath-forwarder"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: ForwarderConfig,
        *,
        embedded: Callable[[], StatementSink] | None = None,
        only: tuple[str, ...] = (),
    ):
        super().__init__()
        self.sessions = sessions
        self.config = config
        self.embedded = embedded
        self.only = only
        self.lease_tokens = LeaseTokens()
        self.instance = self.lease_tokens.instance
        self.worker_id = self.lease_tokens.worker_id
        self.backoff = Backoff(config.backoff_seconds, config.backoff_max_seconds)
        self.destinations = Targets(
            config, embedded=embedded, only=only, user_agent=f"leadpath-forwarder/{self.instance}"
        )
        self._sinks: dict[int, StatementSink] = {}  # for forward_batch, in the caller's thread
        self._holds = Holds()  # destinations backing off after a failure
        self._done: queues.SimpleQueue[tuple[Lease, Settlement]] = queues.SimpleQueue()
        self._loop_db = KeptConnection(sessions.kw["bind"])  # the loop's own, between passes
        self._lanes: dict[int, Lanes] = {}
        self._targets: list[Target] = []
        self._dry: set[int] = set()  # nothing to lease until a batch returns or a refresh
        self._versions: dict[int, str] = {}  # xAPI version last recorded per destination
        self._paused: set[int] = set()  # paused by this loop, until a refresh shows otherwise
        self._refresh_at = 0.0
        self._route_more = True

    # -- destinations ---------------------------------------------------------------------

    def prepare(self) -> None:
        """Bring settings destinations, and the embedded LRS's when it has one, into the database.

        The embedded LRS stays a destination beside the others unless turned off (see
        `xapi.outbox.destinations`).
        """
        with self.sessions.begin() as session:
            sync_settings_destinations(session, self.config.destinations)
            if self.embedded is not None:
                sync_embedded_destination(session, self.config.embedded)

    def forwardable(self) -> list[int]:
        """Return the ids of active, unpaused destinations."""
        with self.sessions() as session:
            return [target.id for target in self.destinations.active(session)]

    # -- database steps -------------------------------------------------------------------

    def route_some(self, db: Db | None = None) -> int:
        """Route up to ROUTE_BATCH unrouted statements in one transaction; return how many.

        `db` is a connection to work on, in a transaction the caller has begun.
        """
        if db is None:
            with self.sessions.begin() as session:
                return self.route_some(session)
        if not queue.has_unrouted(db):
            return 0
        active = db.execute(select(*_ROUTING_COLUMNS).where(Destination.active)).all()
        return queue.route_new_statements(db, active, ROUTE_BATCH)

    def route(self) -> int:
        """Route every unrouted statement to the active destinations; return how many."""
        total = 0
        while True:
            routed = self.route_some()
            total += routed
            if routed < ROUTE_BATCH:
                return total

    def _lease(self, db: Db, destination_id: int) -> Lease | None:
        return queue.lease_batch(
            db,
            destination_id,
            self.lease_tokens.new(),
            batch_size=self.config.batch_size,
            lease_seconds=self.config.lease_seconds,
        )

    def _settle(self, db: Db, lease: Lease, settled: Settlement) -> None:
        """Record one send's outcome; on a failure pause the destination or back off.

        Dead and unsent rows are recorded first, by id; whatever the lease still holds after
        that was delivered, and is recorded with one UPDATE.
        """
        if settled.held:
            queue.release_lease(db, lease)
            return
        self._record_version(db, lease.scope, settled.version)
        now = utcnow()
        for statement, answer in settled.dead:
            queue.mark_dead(db, lease, statement, answer.status, answer.text)
        if settled.failure is not None:
            self._record_failure(db, lease, settled, now)
        if settled.delivered:
            queue.mark_delivered(db, lease, now)

    def _record_version(self, db: Db, destination_id: int, version: str | None) -> None:
        """Write the destination's negotiated xAPI version to its row when it changed."""
        if version is None or self._versions.get(destination_id) == version:
            return
        db.execute(
            update(Destination).where(Destination.id == destination_id).values(xapi_version=version)
        )
        self._versions[destination_id] = version

    def _record_failure(self, db: Db, lease: Lease, settled: Settlement, now) -> None:
        failure, destination_id = settled.failure, lease.scope
        if failure.verdict is Verdict.UNAUTHORIZED:
            reason = answer_text(
                None, f"LRS answered HTTP {failure.status}: {failure.text}".strip()
            )
            pause_destination(db, destination_id, reason)
            queue.release(db, lease, settled.unsent)
            self._paused.add(destination_id)
            self._dry.add(destination_id)
            self._refresh_at = 0.0
            log.warning("Paused LRS destination %s: %s", destination_id, reason)
            return
        attempts = max(s.attempts for s in settled.unsent)
        delay = self.backoff.delay(attempts, failure.retry_after)
        self._holds.hold(destination_id, delay)
        error = answer_text(failure.status, failure.text)
        queue.mark_retry(db, lease, settled.unsent, error, now + timedelta(seconds=delay))
        log.info("LRS destination %s failed (%s); retry in %.1fs", destination_id, error, delay)

    # -- one batch at a time (tests, operators) ---------------------------------------------

    def forward_batch(self, destination_id: int) -> int | None:
        """Lease, send (in this thread) and settle one batch; return statements settled.

        Returns None when the destination cannot be sent to (gone, inactive, paused or
        without credentials).
        """
        if self._holds.held(destination_id):
            return 0
        with self.sessions.begin() as session:
            row = session.get(Destination, destination_id)
            if row is None or not row.active or row.paused_at:
                return None
            target = Target.of(row)
            if destination_id not in self._sinks:
                sink = self.destinations.new_sink(target)
                if sink is None:
                    return None
                self._sinks[destination_id] = sink
            lease = self._lease(session, destination_id)
        if lease is None:
            return 0
        settled = send_safely(self._sinks[destination_id], lease.rows)
        with self.sessions.begin() as session:
            self._settle(session, lease, settled)
        return settled.settled

    def run_once(self) -> int:
        """Route, then forward one batch per destination; return statements settled."""
        self.route()
        return sum(self.forward_batch(dest) or 0 for dest in self.forwardable())

    # -- pipelined running ------------------------------------------------------------------

    def run(self) -> None:
        """Forward until `stop()`: this thread does the database work, lanes do the HTTP."""
        for attempt in range(PREPARE_ATTEMPTS):
            try:
                self.prepare()
                break
            except IntegrityError:  # another forwarder added the same destination just now
                if attempt == PREPARE_ATTEMPTS - 1:
                    raise
                self._stop.wait(0.1 * (attempt + 1))
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self.pump()
                except Exception:  # noqa: BLE001 - a database hiccup must not end forwarding
                    log.exception("Outbox forwarding pass failed; retrying")
                    self._loop_db.drop()
                    self._stop.wait(self.config.poll_seconds)
                self._wake.wait(self._idle_seconds())
        finally:
            self._shutdown()

    def _report(self, lease: Lease, settled: Settlement) -> None:
        """Called by a sending thread when a batch is done."""
        self._done.put((lease, settled))
        self._wake.set()

    def _finished(self) -> list[tuple[Lease, Settlement]]:
        finished = []
        while True:
            try:
                finished.append(self._done.get_nowait())
            except queues.Empty:
                return finished

    def pump(self) -> None:
        """One pass: route, record returned batches and lease the next ones, then dispatch."""
        now = time.monotonic()
        db = self._loop_db.get()
        if self._route_more or now >= self._refresh_at:
            with db.begin():
                routed = self.route_some(db)
            self._route_more = routed == ROUTE_BATCH
            if routed:
                self._dry.clear()
        if now >= self._refresh_at:
            with db.begin():
                self._targets = self.destinations.active(db)
            self._paused -= {target.id for target in self._targets}
            self._refresh_at = now + self.config.poll_seconds
            self._dry.clear()
        finished = self._finished()
        for lease, _ in finished:
            self._lanes[lease.scope].in_flight -= 1
            self._dry.discard(lease.scope)
        try:
            with db.begin():
                for lease, settled in finished:
                    self._settle(db, lease, settled)
                dispatch = [
                    (self._lanes_for(target), lease)
                    for target in self._targets
                    for lease in self._lease_for(db, target)
                ]
        except Exception:
            if not finished:
                raise
            log.exception("Recording %d sent batches together failed", len(finished))
            self._loop_db.drop()
            self._settle_each(finished)
            return
        for lanes, lease in dispatch:
            lanes.submit(lease)

    def _lanes_for(self, target: Target) -> Lanes:
        lanes = self._lanes.get(target.id)
        if lanes is None:
            lanes = Lanes(
                target.id,
                self.config.lanes,
                lambda: self.destinations.new_sink(target),
                self._report,
                hold=lambda: target.id in self._paused or self._holds.held(target.id),
            )
            self._lanes[target.id] = lanes
        return lanes

    def _lease_for(self, db: Db, target: Target) -> list[Lease]:
        """Lease batches until each lane has one and one more waits for the first lane free.

        The waiting batch is what keeps the LRS busy: a lane that finishes picks it up at once,
        while this loop records the finished batch and leases the next.
        """
        if target.id in self._dry or target.id in self._paused or self._holds.held(target.id):
            return []
        if not self.destinations.can_send(target):
            return []
        lanes = self._lanes.get(target.id)
        free = self.config.lanes + 1 - (lanes.in_flight if lanes else 0)
        batches = []
        while len(batches) < free:
            lease = self._lease(db, target.id)
            if lease is None:
                self._dry.add(target.id)
                break
            batches.append(lease)
        return batches

    def _settle_each(self, finished: list[tuple[Lease, Settlement]]) -> None:
        """Record batches one transaction each; a batch that cannot be recorded keeps its lease."""
        for lease, settled in finished:
            try:
                with self.sessions.begin() as session:
                    self._settle(session, lease, settled)
            except Exception:  # noqa: BLE001 - its rows are sent again when the lease ends
                log.exception("Could not record a batch for LRS destination %s", lease.scope)

    def _idle_seconds(self) -> float:
        wait = self.config.poll_seconds
        if self._route_more:
            return 0.0
        held = self._holds.next_release()
        return wait if held is None else min(wait, held)

    def _shutdown(self) -> None:
        """Let the lanes finish the batches in flight, record them, and close connections."""
        for lanes in self._lanes.values():
            lanes.stop()
        limit = self.config.connect_timeout + self.config.read_timeout
        deadline = time.monotonic() + limit
        for lanes in self._lanes.values():
            if not lanes.join(max(0.0, deadline - time.monotonic())):
                log.warning("A batch is still in flight; its lease will return it to the queue")
        self._settle_each(self._finished())
        self._lanes.clear()
        self._loop_db.drop()
        self.close()

    def close(self) -> None:
        """Close the HTTP sessions of `forward_batch` and of the lanes."""
        for sink in self._sinks.values():
            sink.close()
        self._sinks.clear()
        self.destinations.close()
