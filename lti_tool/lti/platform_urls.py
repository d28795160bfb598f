"""Addresses a platform gives leadpath to send a browser to, or to fetch.

A URL a platform supplies may become a form's action or a redirect (the deep linking return
URL, the OIDC authentication URL) or be fetched (registration). It must be https, or http on
loopback in development (LEADPATH_REGISTRATION_PRIVATE_ADDRESSES while leadpath itself runs on
http), or an address of this leadpath itself (the demo platform). Anything else, `javascript:`
included, is refused before it reaches a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lti_tool.outbound import LOOPBACK_HOSTS
from lti_tool.settings import Settings


def same_origin(url: str, other: str) -> bool:
    """Return True when both URLs have the same scheme, host and port."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port) and bool(a.hostname)


def web_address(url: object) -> bool:
    """Return True for an http(s) URL with a host and no credentials or control characters.

    What a registration may hold; whether the browser is sent there is `allowed`'s decision.
    """
    if not isinstance(url, str) or any(ord(ch) < 0x21 or ch == "\\" for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and parts.username is None
        and parts.password is None
    )


def allowed(settings: Settings, url: object) -> bool:
    """Return True for a URL leadpath may send a browser to or fetch for a platform."""
    if not web_address(url):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if same_origin(url, settings.base_url):
        return True
    return (
        parts.hostname in LOOPBACK_HOSTS
        and settings.registration_private_addresses
        and not settings.is_https
    )
