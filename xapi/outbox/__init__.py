"""The transactional outbox: statements queued with the state change, forwarded to every LRS.

`enqueue(session, statements, learner_key=…)` writes statements in the caller's transaction;
`Forwarder(sessions, ForwarderConfig(...)).start()` ships them; `outbox_status`, `alerts`,
`retry` and `dead_letters` are for operators. Leasing, settling, backoff and status come from
the durable-queue core, `xapi.queue`.

May import `framework` and the rest of `xapi`; nothing of `lti_tool` (the app hands it sessions
and settings).
"""

from xapi.outbox.config import DestinationConfig, ForwarderConfig, OutboxConfigError
from xapi.outbox.enqueue import enqueue
from xapi.outbox.forwarder import Forwarder
from xapi.outbox.models import OutboxBase
from xapi.outbox.status import alerts, dead_letters, outbox_status, retry

__all__ = [
    "DestinationConfig",
    "Forwarder",
    "ForwarderConfig",
    "OutboxBase",
    "OutboxConfigError",
    "alerts",
    "dead_letters",
    "enqueue",
    "outbox_status",
    "retry",
]
