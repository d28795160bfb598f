"""The destinations a forwarder sends to, and a sink for each: an LRS client, or the embedded LRS.

Credentials of settings destinations stay in settings (the database row holds none); those added
with `leadpath lrs destination add` are in their row; the embedded LRS needs none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from xapi.outbox.client import LrsClient, StatementSink
from xapi.outbox.config import ForwarderConfig
from xapi.outbox.destinations import EMBEDDED
from xapi.outbox.models import Destination
from xapi.outbox.queue import Db

_destinations = Destination.__table__
_TARGET_COLUMNS = [
    _destinations.c[name] for name in ("id", "name", "source", "endpoint", "key", "secret")
]


@dataclass(frozen=True)
class Target:
    """What the sending side needs of a destination row, read once per refresh."""

    id: int
    name: str
    source: str
    endpoint: str
    key: str | None
    secret: str | None

    @classmethod
    def of(cls, row) -> Target:
        """Copy the fields of a destination row (ORM object or Core row)."""
        return cls(row.id, row.name, row.source, row.endpoint, row.key, row.secret)

    @property
    def is_embedded(self) -> bool:
        """Return True for the embedded LRS's own destination."""
        return self.name == EMBEDDED and self.source == "embedded"


class Targets:
    """What one forwarder can send to: `only` these names (all when empty), with these sinks.

    `embedded` makes the embedded LRS's sink; without it that destination is not sent to here.
    """

    def __init__(
        self,
        config: ForwarderConfig,
        *,
        embedded: Callable[[], StatementSink] | None,
        only: tuple[str, ...],
        user_agent: str,
    ):
        self.config = config
        self.embedded = embedded
        self.only = only
        self.user_agent = user_agent
        self._credentials = {d.name: (d.key, d.secret) for d in config.destinations}
        self._clients: dict[int, LrsClient] = {}  # one per destination, shared by its lanes

    def active(self, db: Db) -> list[Target]:
        """Return the active, unpaused destinations this forwarder sends to, in id order."""
        query = select(*_TARGET_COLUMNS).where(Destination.active, Destination.paused_at.is_(None))
        if self.only:
            query = query.where(Destination.name.in_(self.only))
        return [Target.of(row) for row in db.execute(query.order_by(Destination.id))]

    def can_send(self, target: Target) -> bool:
        """Return True when this forwarder has what it takes to send to `target`."""
        if target.is_embedded:
            return self.embedded is not None
        if target.source == "settings":
            return target.name in self._credentials
        return target.key is not None and target.secret is not None

    def new_sink(self, target: Target) -> StatementSink | None:
        """Return a sink for a destination, or None when it has no credentials.

        The embedded LRS gets a new sink each time; another LRS gets its one client (one
        `requests.Session`, environment read once), shared by every lane sending to it.
        """
        if target.is_embedded:
            return self.embedded() if self.embedded else None
        key, secret = self._credentials.get(target.name, (None, None))
        if target.source != "settings":
            key, secret = target.key, target.secret
        if key is None or secret is None:
            return None
        client = self._clients.get(target.id)
        if client is None or (client.endpoint, client.credentials) != (
            target.endpoint.rstrip("/"),
            (key, secret),
        ):
            client = LrsClient(
                target.endpoint,
                key,
                secret,
                connect_timeout=self.config.connect_timeout,
                read_timeout=self.config.read_timeout,
                user_agent=self.user_agent,
                pool_size=self.config.lanes,
                about_seconds=self.config.about_seconds,
            )
            self._clients[target.id] = client
        return client

    def close(self) -> None:
        """Close every LRS client's connections."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
