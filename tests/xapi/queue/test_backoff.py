"""Backoff: full jitter under a doubling cap, Retry-After up to a day, holds per receiver."""

from __future__ import annotations

import time

import pytest

from xapi.queue import RETRY_AFTER_LIMIT, Backoff, Holds, parse_retry_after


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # a date already past: now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    assert parse_retry_after(header, now=1445412470.0) == seconds


def test_delays_are_drawn_below_a_cap_that_doubles_with_each_attempt():
    backoff = Backoff(base=1.0, cap=300.0)
    for attempts, ceiling in [(0, 1), (1, 2), (3, 8), (8, 256), (9, 300), (40, 300)]:
        delays = [backoff.delay(attempts) for _ in range(400)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8, "the whole range is used (full jitter)"
        assert min(delays) < ceiling * 0.2


def test_a_row_failing_for_days_still_gets_a_delay():
    assert 0 <= Backoff(base=1.0, cap=300.0).delay(5000) <= 300


def test_retry_after_wins_over_backoff_and_is_capped_at_a_day():
    backoff = Backoff(base=1.0, cap=2.0)
    assert backoff.delay(0, retry_after=120.0) == 120.0
    assert backoff.delay(0, retry_after=10.0**9) == RETRY_AFTER_LIMIT == 86400.0


def test_holds_keep_a_receiver_back_until_its_delay_has_passed():
    holds = Holds()
    assert not holds.held("lrs") and holds.remaining("lrs") == 0 and holds.next_release() is None
    holds.hold("lrs", 0.2)
    holds.hold("other", 5.0)
    assert holds.held("lrs") and 0.1 < holds.remaining("lrs") <= 0.2
    assert 0.1 < holds.next_release() <= 0.2
    time.sleep(0.25)
    assert not holds.held("lrs") and holds.held("other")
    assert 4.5 < holds.next_release() <= 5.0
