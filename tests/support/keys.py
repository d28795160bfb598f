"""RSA keys for tests: made once per test session, distinct within each test."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from cryptography.hazmat.primitives.asymmetric import rsa


class KeyPool:
    """2048-bit RSA keys made once per test session instead of once per platform.

    Within one test every key handed out is a different key, so a test that signs with a wrong
    key still gets one; the next test is handed the same keys again. A key taken outside a test
    (at import, or by a module or session fixture) is made for that caller alone.
    """

    def __init__(self):
        self._keys: list[rsa.RSAPrivateKey] = []
        self._next: int | None = None  # None: not inside a test
        self._lock = threading.Lock()

    @contextmanager
    def for_one_test(self):
        """Hand out the pool's keys from the first again, for the length of one test."""
        self._next = 0
        try:
            yield
        finally:
            self._next = None

    def take(self) -> rsa.RSAPrivateKey:
        """Return a key no one else in this test holds."""
        with self._lock:
            if self._next is None:
                return _generate()
            if self._next == len(self._keys):
                self._keys.append(_generate())
            self._next += 1
            return self._keys[self._next - 1]


def _generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEYS = KeyPool()


def rsa_key() -> rsa.RSAPrivateKey:
    """Return a 2048-bit RSA private key that no one else in this test holds."""
    return KEYS.take()
