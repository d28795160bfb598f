"""When to try again: capped exponential backoff with full jitter, or what `Retry-After` asks.

Full jitter (a delay drawn between zero and the capped exponential) spreads the retries of many
rows and senders best; `Retry-After` is honoured up to a day. `Holds` keep a whole receiver (an
LRS, a platform) waiting while its delay runs, so no other row is sent to it meanwhile.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Hashable
from dataclasses import dataclass

RETRY_AFTER_LIMIT = 86400.0
_MAX_DOUBLINGS = 60  # 2**60 seconds is beyond any cap; more would overflow a float


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class Backoff:
    """Delays of `base` doubling with each attempt up to `cap` seconds, fully jittered."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Return the seconds to wait after `attempts` failures (Retry-After when given)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), RETRY_AFTER_LIMIT)
        ceiling = min(self.cap, self.base * 2 ** min(max(attempts, 0), _MAX_DOUBLINGS))
        return random.uniform(0, ceiling)


class Holds:
    """Receivers held back until a moment on the monotonic clock (after a failure)."""

    def __init__(self) -> None:
        self._until: dict[Hashable, float] = {}

    def hold(self, key: Hashable, seconds: float) -> None:
        """Hold `key` back for `seconds` from now."""
        self._until[key] = time.monotonic() + seconds

    def remaining(self, key: Hashable) -> float:
        """Return the seconds `key` is still held back (0 when it is free)."""
        return max(0.0, self._until.get(key, 0.0) - time.monotonic())

    def held(self, key: Hashable) -> bool:
        """Return True while `key` is held back."""
        return time.monotonic() < self._until.get(key, 0.0)

    def next_release(self) -> float | None:
        """Return the seconds until the first hold still running ends, or None without one."""
        now = time.monotonic()
        running = [until - now for until in self._until.values() if until > now]
        return min(running, default=None)
