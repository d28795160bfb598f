"""The durable-queue core: rows leased with a token, settled, retried with backoff, dead-lettered.

Two queues are built on it: the statement outbox (`xapi/outbox`, a row per statement and
destination LRS) and the grade outbox (`lti_tool/grades`, a row per score for a platform's
gradebook). Each names the columns of its table in a `QueueTable` and keeps only what is its
own: routing, batching and bisecting for statements; access tokens for grades.

- `table`: which column of a queue table means what (order, key, lease token, retry time, …).
- `lease`: claim due rows with a token, keeping order per key (a learner, a lane).
- `settle`: record what the receiver said — done, retry (counted), postponed, dead, released.
- `backoff`: capped, jittered exponential backoff, `Retry-After`, holds per receiver.
- `status`: counts per state and the age of the oldest pending row, for the CLI and admin page.
- `worker`: a loop in a daemon thread that can be stopped.
- `config`: batch size, timeouts, backoff, polling and lease length of a sender.
- `clock`: aware UTC time.

It lives under `xapi` because the statement outbox is its first user and `lti_tool` may import
`xapi` (never the reverse), so the grade sender in `lti_tool/grades` can reuse it. It imports
nothing of leadpath's, not even the rest of `xapi`: reusing it pulls in no statement building
and no LRS client.
"""

from xapi.queue.backoff import RETRY_AFTER_LIMIT, Backoff, Holds, parse_retry_after
from xapi.queue.clock import aware, utcnow
from xapi.queue.config import SenderConfig
from xapi.queue.lease import Lease, LeaseTokens, Leasing
from xapi.queue.table import TEXT_LIMIT, QueueTable, answer_text
from xapi.queue.worker import Worker

__all__ = [
    "RETRY_AFTER_LIMIT",
    "TEXT_LIMIT",
    "Backoff",
    "Holds",
    "Lease",
    "Leasing",
    "QueueTable",
    "SenderConfig",
    "LeaseTokens",
    "Worker",
    "answer_text",
    "aware",
    "parse_retry_after",
    "utcnow",
]
