"""Structured (one JSON object per line) logging with a request id on every line.

Bearer tokens in any URL a line mentions are redacted (`lti_tool.redaction`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from lti_tool.redaction import protect_werkzeug_log, redact

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("leadpath")
logger.addHandler(logging.NullHandler())


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line; extra fields come from `record.fields`."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        line.update({k: v for k, v in getattr(record, "fields", {}).items() if v is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str))


def event(name: str, level: int = logging.INFO, **fields) -> None:
    """Write one structured log line for a named event, tagged with the request id."""
    tagged = {"event": name, "request_id": current_request_id(), **fields}
    logger.log(level, name, extra={"fields": tagged})


def configure(level: str) -> None:
    """Send leadpath's log lines to stderr as JSON."""
    if any(getattr(h, "_leadpath", False) for h in logger.handlers):
        logger.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._leadpath = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def current_request_id() -> str | None:
    """Return the id of the request being served, if any."""
    return g.get("request_id") if has_request_context() else None


def init_app(app: Flask) -> None:
    """Give every request an id (X-Request-Id if the proxy sent a sane one) and echo it back."""
    configure(app.config["LEADPATH"].log_level)
    protect_werkzeug_log()

    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response
