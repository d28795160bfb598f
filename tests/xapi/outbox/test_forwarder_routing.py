"""Several destinations at once, each receiving only the statements its filters select."""

from __future__ import annotations

from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import drain, pending, statement
from xapi.outbox import enqueue
from xapi.outbox.destinations import add_destination


def test_filters_route_statements_only_to_matching_destinations(outbox_db, forwarder_for, unique):
    uni, deanery = LrsStandIn(), LrsStandIn(key="dk", secret="ds")
    p1, p2 = f"https://p1-{unique}.example", f"https://p2-{unique}.example"
    c1, c2 = f"c1-{unique}", f"c2-{unique}"
    try:
        with outbox_db.transaction() as session:
            add_destination(
                session,
                name=f"uni-{unique}",
                endpoint=uni.endpoint,
                key="key",
                secret="secret",
                platforms=[p1],
            )
            add_destination(
                session,
                name=f"deanery-{unique}",
                endpoint=deanery.endpoint,
                key="dk",
                secret="ds",
                courses=[c2],
            )
        sent = {}
        with outbox_db.transaction() as session:
            for issuer, course in [(p1, c1), (p2, c2), (p1, c2), (p2, c1)]:
                made = statement(unique)
                enqueue(
                    session, [made], learner_key=unique, platform_issuer=issuer, course_id=course
                )
                sent[(issuer, course)] = made["id"]
        forwarder = forwarder_for(f"uni-{unique}", f"deanery-{unique}")
        drain(
            forwarder,
            lambda: (
                pending(outbox_db, f"uni-{unique}") + pending(outbox_db, f"deanery-{unique}") == 0
            ),
        )
        assert set(uni.stored) == {sent[(p1, c1)], sent[(p1, c2)]}
        assert set(deanery.stored) == {sent[(p2, c2)], sent[(p1, c2)]}
    finally:
        uni.stop()
        deanery.stop()
