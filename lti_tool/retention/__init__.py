"""Retention: rows leadpath no longer needs are removed after a set period, in small batches.

What goes, and after how long (settings `LEADPATH_RETAIN_…`; the README's data-retention
table says why):

- delivered statements in the outbox, once the embedded LRS holds them (`xapi.outbox.retention`);
- used and expired launch (login) states;
- expired launch sessions;
- used and expired identity link codes;
- scores sent to, or refused by, a platform's gradebook;
- raters' email addresses of closed 360 rounds (the invitations stay, without the address).

`prune(engine, settings)` removes them (`leadpath prune`; `--dry-run` counts instead), and
`Pruner` does it in the background every LEADPATH_PRUNE_INTERVAL_MINUTES (started by
`lti_tool.workers`). `PrunedRows` keeps how many rows of each queue were removed, so the
queues' counters (`/metrics`) keep counting past them.
"""

from lti_tool.retention.pruning import Pruner, prune

__all__ = ["Pruner", "prune"]
