"""The session's RSA key pool: distinct keys within a test, the same keys again in the next."""

import itertools

import pytest

from tests.support import keys


@pytest.fixture
def pool(monkeypatch):
    made = itertools.count()
    monkeypatch.setattr(keys, "_generate", lambda: f"key-{next(made)}")  # the pool's logic only
    return keys.KeyPool()


def test_keys_are_distinct_within_a_test_and_reused_by_the_next(pool):
    with pool.for_one_test():
        first = [pool.take() for _ in range(3)]
    with pool.for_one_test():
        again = [pool.take() for _ in range(4)]
    assert first == ["key-0", "key-1", "key-2"]
    assert again == [*first, "key-3"]


def test_a_key_taken_outside_a_test_is_never_handed_out_again(pool):
    with pool.for_one_test():
        inside = pool.take()
    outside = pool.take()
    with pool.for_one_test():
        assert [pool.take(), pool.take()] == [inside, "key-2"]
    assert outside == "key-1"


def test_the_suite_hands_out_distinct_real_keys_within_a_test():
    from tests.support.lti_helpers import new_key

    (one, one_jwk), (two, two_jwk) = new_key(), new_key()
    assert one.private_numbers().p != two.private_numbers().p
    assert one_jwk["kid"] != two_jwk["kid"] and one.key_size == 2048
