"""Outbound HTTP to addresses a platform chose: only public addresses, checked at connect time.

Dynamic registration fetches URLs that arrive in a request, so it must not become a way to
reach leadpath's own network. A check of the name before the request is not enough (the name
can resolve differently a moment later), so the connection itself resolves the name, connects
only to an address that passes, and checks the peer it reached before anything is sent.
Written here because the one library for this (advocate) has had no release since 2020 and
predates urllib3 2; this is two small urllib3 connection classes.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


class AddressRefused(NewConnectionError):
    """A host that resolves only to addresses leadpath will not connect to."""


def is_public(address: str) -> bool:
    """Return True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _guarded(base: type[HTTPConnection], allow_private: bool) -> type[HTTPConnection]:
    class Guarded(base):  # type: ignore[misc, valid-type]
        def _new_conn(self) -> socket.socket:
            try:
                found = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise NewConnectionError(self, f"Cannot resolve {self.host}: {exc}") from exc
            allowed = [a for a in found if allow_private or is_public(a[4][0])]
            if not allowed:
                raise AddressRefused(self, f"{self.host} resolves only to non-public addresses")
            error: OSError | None = None
            for family, kind, proto, _, address in allowed:
                sock = socket.socket(family, kind, proto)
                try:
                    if isinstance(self.timeout, int | float):
                        sock.settimeout(self.timeout)
                    for option in self.socket_options or []:
                        sock.setsockopt(*option)
                    sock.connect(address)
                    peer = sock.getpeername()[0]
                    if not allow_private and not is_public(peer):
                        sock.close()
                        raise AddressRefused(self, f"{self.host} connected to a non-public peer")
                    return sock
                except AddressRefused:
                    raise
                except OSError as exc:
                    sock.close()
                    error = exc
            raise NewConnectionError(self, f"Failed to connect to {self.host}: {error}")

    return Guarded


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections reach only public addresses (unless allowed)."""

    def __init__(self, allow_private: bool = False, **kwargs):
        self.allow_private = allow_private
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        """Create the pool manager with guarded connection classes."""
        super().init_poolmanager(*args, **kwargs)

        class Http(HTTPConnectionPool):
            ConnectionCls = _guarded(HTTPConnection, self.allow_private)

        class Https(HTTPSConnectionPool):
            ConnectionCls = _guarded(HTTPSConnection, self.allow_private)

        self.poolmanager.pool_classes_by_scheme = {"http": Http, "https": Https}


def guarded_session(allow_private: bool = False) -> requests.Session:
    """Return a Session that ignores proxy variables and connects only to allowed addresses."""
    session = requests.Session()
    session.trust_env = False  # a proxy would be the peer, hiding the real destination
    adapter = GuardedAdapter(allow_private, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def refused(exc: BaseException) -> bool:
    """Return True when a requests error was caused by AddressRefused."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, AddressRefused):
            return True
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return False
