"""A sender's loop in a daemon thread: started once, asked to stop, joined."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Worker:
    """Run `run()` in a daemon thread named `thread_name`; `stop()` sets `_stop` and joins.

    `run()` ends when `_stop` is set; `_wake` cuts a wait short (new work, or stopping).
    """

    thread_name = "leadpath-worker"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Work until `_stop` is set."""
        raise NotImplementedError

    def start(self, then: Callable[[], None] | None = None) -> threading.Thread:
        """Run in a daemon thread; `stop()` ends it, then `then()` runs in that thread."""

        def run() -> None:
            try:
                self.run()
            finally:
                if then is not None:
                    then()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to finish what is in hand, and wait for its thread to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Return True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()
