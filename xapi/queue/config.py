"""How a sender batches, times out, backs off, polls and leases: one set of knobs, both queues."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SenderConfig:
    """Batch size, HTTP (connect, read) timeouts, backoff, polling interval and lease length."""

    batch_size: int = 100
    connect_timeout: float = 3.05
    read_timeout: float = 30.0
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    poll_seconds: float = 1.0
    lease_seconds: float = 300.0

    @classmethod
    def settings_values(cls, settings: Any, prefix: str) -> dict[str, Any]:
        """Return the fields leadpath settings give as `<prefix><field>` attributes."""
        return {
            f.name: getattr(settings, prefix + f.name)
            for f in fields(cls)
            if hasattr(settings, prefix + f.name)
        }
