"""Bearer tokens kept out of access logs: `ls=…`, rater links, registration invitations.

A launch session token (`ls`), a rater's link (`/feedback/r/<token>`), a registration
invitation and a platform's registration token each let whoever holds them act for someone
until they expire, so every access log leadpath writes (gunicorn's, werkzeug's development
server's) shows them as `[redacted]`. The Referer of a same-origin page can carry them too.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"
_QUERY_TOKENS = re.compile(
    r"(?i)((?:^|[?&;\s\"'])(?:ls|invitation|registration_token)(?:=|%3D))[^&;\s\"'#]*"
)
_PATH_TOKENS = re.compile(r"(/feedback/r/)[^/?#\s\"']+")


def redact(text: str) -> str:
    """Return `text` with every bearer token in a URL replaced by `[redacted]`."""
    text = _QUERY_TOKENS.sub(lambda m: m.group(1) + REDACTED, text)
    return _PATH_TOKENS.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts tokens from the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with tokens redacted; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def protect_werkzeug_log() -> None:
    """Redact tokens from the request lines of werkzeug's development server."""
    log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in log.filters):
        log.addFilter(RedactingFilter())


class AccessLogger(GunicornLogger):
    """gunicorn's logger with tokens redacted from every access-log atom (path, query, Referer)."""

    def atoms(self, resp, req, environ, request_time):
        """Return gunicorn's access-log atoms, with tokens redacted from the string ones."""
        found = super().atoms(resp, req, environ, request_time)
        cleaned = {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}
        if "{x-leadpath-session}i" in cleaned:
            cleaned["{x-leadpath-session}i"] = REDACTED
        return cleaned
