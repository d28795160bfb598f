"""Security headers on every response: CSP, frame-ancestors, HSTS, no-store, nosniff.

Pages carry no inline script or style (scripts and stylesheets are leadpath's own static
files), so the Content-Security-Policy allows scripts from leadpath's origin only and needs no
nonces. `frame-ancestors` lets the learning platforms leadpath is registered with (their issuer
and authentication origins, plus LEADPATH_FRAME_ANCESTORS) show its pages in a frame, and no one
the administrators' pages. A page that posts a form to a platform (the deep linking response)
names that one origin with `allow_form_target`. Pages about a person (everything but the public
pages, the keyset and static files) are `Cache-Control: no-store`; HSTS is sent under https.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from sqlalchemy import select

from lti_tool.lti.claims import LAUNCH_PRESENTATION
from lti_tool.models import Platform

HSTS = "max-age=31536000; includeSubDomains"
ORIGINS_TTL = 30.0  # seconds a process keeps the registered platforms' origins
# Not shown inside the LMS: the administrators' pages.
UNFRAMED_BLUEPRINTS = frozenset({"admin"})
# Pages about no one, cacheable as the view decides.
PUBLIC_BLUEPRINTS = frozenset({"site", "frameworks", "xapi_profile", "health", "canvas"})
PUBLIC_ENDPOINTS = frozenset({"static", "lti.jwks", "demo.jwks"})
_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
)


def origin_of(url: str) -> str | None:
    """Return scheme://host[:port] of an http(s) URL, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allow_form_target(url: str) -> None:
    """Let this response's page post a form to `url`'s origin (an already-checked URL)."""
    if origin := origin_of(url):
        g.setdefault("form_targets", []).append(origin)


class PlatformOrigins:
    """The registered platforms' origins, read at most every ORIGINS_TTL seconds per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._until = 0.0
        self._origins: tuple[str, ...] = ()

    def get(self) -> tuple[str, ...]:
        """Return the origins (issuer and authentication URL of every platform)."""
        now = time.monotonic()
        if now < self._until:
            return self._origins
        with self._lock:
            if now >= self._until:
                self._origins = self._read()
                self._until = now + ORIGINS_TTL
        return self._origins

    def forget(self) -> None:
        """Read the registry again on next use (after a platform is added or removed)."""
        self._until = 0.0

    @staticmethod
    def _read() -> tuple[str, ...]:
        db = current_app.extensions["leadpath.db"]
        try:
            with db.sessions() as session:
                rows = session.execute(select(Platform.issuer, Platform.auth_login_url)).all()
        except Exception:  # noqa: BLE001 - no database: frame only on leadpath itself
            return ()
        found = {origin_of(url) for row in rows for url in row}
        return tuple(sorted(o for o in found if o))


def frame_ancestors() -> str:
    """Return the frame-ancestors sources for this request."""
    if request.blueprint in UNFRAMED_BLUEPRINTS:
        return "'none'"
    settings = current_app.config["LEADPATH"]
    sources = ["'self'", *current_app.extensions["leadpath.platform_origins"].get()]
    sources += list(settings.frame_ancestors)
    if (launch := g.get("launch_session")) is not None:
        # The launch's own platform (registered in the last ORIGINS_TTL seconds, perhaps) and
        # the page it returns to, which the platform signed (Canvas's school address).
        presentation = (launch.claims or {}).get(LAUNCH_PRESENTATION)
        return_url = presentation.get("return_url") if isinstance(presentation, dict) else None
        if origin := origin_of(launch.platform_user.issuer):
            sources.append(origin)
        if isinstance(return_url, str) and (origin := origin_of(return_url)):
            sources.append(origin)
    if request.endpoint == "lti_registration.register":
        # Dynamic registration runs in the registering platform's page, before it is known.
        if origin := origin_of(request.args.get("openid_configuration", "")):
            sources.append(origin)
    return " ".join(dict.fromkeys(sources))


def policy() -> str:
    """Return the Content-Security-Policy of this request's response."""
    targets = " ".join(dict.fromkeys(g.get("form_targets", [])))
    form_action = "form-action 'self'" + (f" {targets}" if targets else "")
    return "; ".join((*_POLICY, form_action, f"frame-ancestors {frame_ancestors()}"))


def personal() -> bool:
    """Return True when the response may be about a person (so no cache keeps it)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return False
    return request.blueprint not in PUBLIC_BLUEPRINTS


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.extensions["leadpath.platform_origins"] = PlatformOrigins()
    https = app.config["LEADPATH"].is_https

    @app.after_request
    def _security_headers(response):
        response.headers["Content-Security-Policy"] = policy()
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            response.headers["Strict-Transport-Security"] = HSTS
        if personal():
            response.headers["Cache-Control"] = "no-store"
        return response
