"""Sending leased batches: bisection on refusals, and the sending threads of a destination.

Nothing here touches the database: a sending thread takes a leased batch, posts it, and hands
back a `Settlement` for the forwarder's database loop to record.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from xapi.outbox.client import Answer, StatementSink, Verdict
from xapi.outbox.queue import LeasedStatement
from xapi.queue import Lease

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


@dataclass
class Settlement:
    """What one send of a leased batch came to."""

    delivered: list[LeasedStatement] = field(default_factory=list)
    dead: list[tuple[LeasedStatement, Answer]] = field(default_factory=list)
    unsent: list[LeasedStatement] = field(default_factory=list)
    failure: Answer | None = None
    held: bool = False  # not sent at all: the destination was backing off or paused meanwhile
    version: str | None = None  # the xAPI version the destination was last sent in

    @property
    def settled(self) -> int:
        """Return how many statements reached a final state (delivered or dead)."""
        return len(self.delivered) + len(self.dead)


def send_bisecting(sink: StatementSink, leased: list[LeasedStatement]) -> Settlement:
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
        settled.version = answer.version or settled.version
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


def send_safely(sink: StatementSink, leased: list[LeasedStatement]) -> Settlement:
    """Send a batch; an unexpected error leaves the whole batch unsent, to be retried."""
    try:
        return send_bisecting(sink, leased)
    except Exception as exc:  # noqa: BLE001 - a bug in a sink must not lose the lease
        log.exception("Sending a batch of %d statements failed", len(leased))
        return Settlement(unsent=list(leased), failure=Answer(Verdict.TRANSIENT, None, str(exc)))


Report = Callable[[Lease, Settlement], None]


class Lanes:
    """The sending threads of one destination: up to `count` batches in flight, HTTP only.

    `submit` is called by the forwarder's database loop, which also keeps `in_flight`; each
    thread asks `make_sink` for its sink (for an LRS over HTTP, the destination's one client,
    whose pool keeps a connection per lane; the forwarder closes it) and calls `report` with
    the lease when done. A batch still waiting when `hold()` turns true (the destination
    failed or was paused since it was leased) is handed back unsent.
    """

    def __init__(
        self,
        destination_id: int,
        count: int,
        make_sink: Callable[[], StatementSink | None],
        report: Report,
        hold: Callable[[], bool] = lambda: False,
    ):
        self.destination_id = destination_id
        self.in_flight = 0
        self._hold = hold
        self._jobs: queue.SimpleQueue[Lease | None] = queue.SimpleQueue()
        self._make_sink = make_sink
        self._report = report
        self._threads = [
            threading.Thread(
                target=self._run,
                name=f"leadpath-forwarder-{destination_id}-{lane}",
                daemon=True,
            )
            for lane in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, lease: Lease) -> None:
        """Queue a leased batch for the next free thread."""
        self.in_flight += 1
        self._jobs.put(lease)

    def _run(self) -> None:
        sink = None
        while (lease := self._jobs.get()) is not None:
            leased = lease.rows
            if self._hold():
                self._report(lease, Settlement(unsent=list(leased), held=True))
                continue
            if sink is None:
                sink = self._make_sink()
            if sink is None:
                failure = Answer(Verdict.UNAUTHORIZED, None, "no credentials for this LRS")
                settled = Settlement(unsent=list(leased), failure=failure)
            else:
                settled = send_safely(sink, leased)
            self._report(lease, settled)

    def stop(self) -> None:
        """Ask every thread to end once the batches already queued are sent."""
        for _ in self._threads:
            self._jobs.put(None)

    def join(self, timeout: float) -> bool:
        """Wait for the threads to end; return False when one is still sending."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self._threads)
