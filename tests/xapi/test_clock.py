"""The clock leadpath dates things by: the system's, or moved by an offset in one context."""

import threading
from datetime import UTC, datetime, timedelta

from xapi import clock
from xapi.statements.assembly import finish


def test_an_offset_moves_now_in_its_context_only():
    seen = {}
    with clock.offset(-timedelta(days=365)):
        moved = clock.now()
        other = threading.Thread(target=lambda: seen.setdefault("other", clock.now()))
        other.start()
        other.join()
    after = clock.now()
    real = datetime.now(UTC)
    assert timedelta(days=364) < real - moved < timedelta(days=366)
    assert abs(real - after) < timedelta(seconds=5)
    assert abs(real - seen["other"]) < timedelta(seconds=5)  # another thread is not moved


def test_statements_are_dated_by_the_clock():
    import tincan

    statement = tincan.Statement(
        actor=tincan.Agent(mbox="mailto:a@example.test"),
        verb=tincan.Verb(id="http://adlnet.gov/expapi/verbs/attempted"),
        object=tincan.Activity(id="http://example.test/a"),
    )
    with clock.offset(-timedelta(days=800)):
        dated = finish(statement)
    assert dated["timestamp"].startswith(str((datetime.now(UTC) - timedelta(days=800)).year))
