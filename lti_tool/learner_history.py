"""What leadpath has said about one learner account: the statements to re-issue after a link.

Read from the embedded LRS, which keeps every statement for good, and then from the outbox,
which holds what the LRS has not stored yet (the outbox forgets delivered statements after
LEADPATH_RETAIN_DELIVERED_STATEMENTS_DAYS, and only once the LRS holds them):

1. statements the embedded LRS holds with the account as actor or object, oldest first;
2. statements of the same registrations (attempts), which name the learner in an extension
   (a 360 rating, a supervisor's validation);
3. statements queued under the learner that the LRS does not hold.

Only statements leadpath's forwarder stored are read: a client holding an LRS key cannot
have leadpath re-issue what it wrote. Voided statements are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import Connection, select

from xapi.lrs import StatementQuery, query_statements
from xapi.outbox.embedded import FORWARDER_KEY
from xapi.outbox.models import OutboxStatement
from xapi.statements import iris
from xapi.statements import vocabulary as v


@dataclass(frozen=True)
class Said:
    """A statement about the learner, with the platform and course it was routed by."""

    statement: dict
    platform_issuer: str | None
    course_id: str | None


def _stored(conn: Connection, query: StatementQuery) -> list[tuple[tuple[int, int], dict]]:
    """Every statement matching the query, with its place in the store's order."""
    found, after = [], None
    while True:
        page = query_statements(conn, replace(query, after=after))
        for (seq, stored_us, _), statement in zip(page.rows, page.statements(), strict=True):
            found.append(((stored_us, seq), statement))
        if page.next_after is None:
            return found
        after = page.next_after


def _routing(statement: dict, base_url: str) -> Said:
    extensions = (statement.get("context") or {}).get("extensions") or {}
    issuer = extensions.get(v.LTI_ISSUER.iri(base_url))
    course = extensions.get(v.LTI_CONTEXT_ID.iri(base_url))
    return Said(
        statement,
        issuer if isinstance(issuer, str) else None,
        course if isinstance(course, str) else None,
    )


def statements_about(conn: Connection, base_url: str, learner_id: str) -> list[Said]:
    """Return what leadpath said about a learner account, in the order it was said.

    `conn` is the caller's connection, inside the transaction that will queue re-issues.
    """
    agent = {"objectType": "Agent", "account": iris.account(base_url, learner_id)}
    held = dict(
        (statement["id"], (order, statement))
        for order, statement in _stored(
            conn, StatementQuery(agent=agent, ascending=True, mine=FORWARDER_KEY)
        )
    )
    registrations = {
        registration
        for _, statement in held.values()
        if (registration := (statement.get("context") or {}).get("registration"))
    }
    for registration in sorted(registrations):
        query = StatementQuery(registration=registration, ascending=True, mine=FORWARDER_KEY)
        held.update((s["id"], (order, s)) for order, s in _stored(conn, query))
    said = [_routing(s, base_url) for _, s in sorted(held.values(), key=lambda item: item[0])]
    queued = conn.execute(
        select(
            OutboxStatement.statement_id,
            OutboxStatement.body,
            OutboxStatement.platform_issuer,
            OutboxStatement.course_id,
        )
        .where(OutboxStatement.learner_key == learner_id)
        .order_by(OutboxStatement.seq)
    )
    said.extend(
        Said(json.loads(body), issuer, course)
        for statement_id, body, issuer, course in queued
        if statement_id not in held
    )
    return said
