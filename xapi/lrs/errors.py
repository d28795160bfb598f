"""Errors of the embedded LRS, each carrying the HTTP status the xAPI specification asks for."""

from __future__ import annotations


class XapiError(Exception):
    """A request the LRS refuses; `message` is one sentence naming the field at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        """Return the JSON error body."""
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class BadRequest(XapiError):
    """400: malformed request or statement."""


class Unauthorized(XapiError):
    """401: missing or wrong credentials."""

    status = 401
    code = "unauthorized"


class Forbidden(XapiError):
    """403: the credentials lack the scope the request needs."""

    status = 403
    code = "forbidden"


class NotFound(XapiError):
    """404: no such statement, document or activity."""

    status = 404
    code = "not_found"


class Conflict(XapiError):
    """409: the id is held by different content, or a precondition header is required."""

    status = 409
    code = "conflict"


class PreconditionFailed(XapiError):
    """412: If-Match / If-None-Match did not hold."""

    status = 412
    code = "precondition_failed"


class Unavailable(XapiError):
    """503: the database kept aborting the write for other writers; try again shortly."""

    status = 503
    code = "unavailable"


class Invalid(BadRequest):
    """400 raised by statement validation; the message starts with the field path."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}", field=path)
