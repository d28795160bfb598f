"""The embedded LRS as a destination of the forwarder: batches stored in-process.

The LRS is used through its public store API (`store_statements`, `authority_for`); its errors
are sorted into the answers an LRS over HTTP would give.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine

from xapi.lrs import XapiError, authority_for, store_statements
from xapi.outbox.client import Answer, Verdict

FORWARDER_KEY = "leadpath-forwarder"


class EmbeddedSink:
    """Post statement batches straight into the embedded LRS's tables."""

    def __init__(self, engine: Engine, home_page: str):
        self.engine = engine
        self.authority = authority_for(FORWARDER_KEY, "leadpath forwarder", home_page)

    def post_statements(self, bodies: list[str]) -> Answer:
        """Store a batch; answer as an LRS would (stored, conflict, rejected, transient)."""
        try:
            ids = store_statements(
                self.engine,
                [json.loads(b) for b in bodies],
                authority=self.authority,
                credential=FORWARDER_KEY,
            )
        except XapiError as exc:
            if exc.status >= 500:  # the store was too busy: nothing saved, worth a retry
                return Answer(Verdict.TRANSIENT, exc.status, exc.message)
            verdict = Verdict.CONFLICT if exc.status == 409 else Verdict.REJECTED
            return Answer(verdict, exc.status, exc.message)
        except ValueError as exc:
            return Answer(Verdict.REJECTED, 400, f"statement is not JSON: {exc}")
        except Exception as exc:  # noqa: BLE001 - storage trouble is worth a retry
            return Answer(Verdict.TRANSIENT, None, str(exc)[:500])
        return Answer(Verdict.STORED, 200, json.dumps(ids))

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""


def sink_for(sessions, home_page: str) -> EmbeddedSink:
    """Return a sink over the engine a session factory is bound to.

    `home_page` is leadpath's base URL: the authority of stored statements is named under it.
    """
    return EmbeddedSink(sessions.kw["bind"], home_page.rstrip("/"))
