"""What every LRS view shares: the request as the resource sees it, Basic auth, JSON answers.

A view calls `start()` to unfold the alternate request syntax and check the version header,
`require(...)` for the scopes it needs, and answers with `json_response`. No SQL here.

Each request is served in the xAPI version its `X-Experience-API-Version` header names: 1.0.x
requests in 1.0.3, 2.0.x requests in 2.0.0 (the answer's header says which). A request that
names no version (only About may) is answered in 1.0.3.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, current_app, g, request
from sqlalchemy import Engine

from xapi.lrs import formats, jsonio
from xapi.lrs.credentials import Authenticator, Principal
from xapi.lrs.errors import BadRequest, Forbidden, Unauthorized
from xapi.lrs.persons import NoLinks, PersonResolver

EXTENSION_KEY = "leadpath.lrs"
VERSION = "1.0.3"
VERSION_2 = "2.0.0"
VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
_HEADER_FIELDS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
    "accept-language",
}


@dataclass
class Lrs:
    """What the LRS views need: the engine, the credential checker, the person resolver."""

    engine: Engine
    auth: Authenticator
    persons: PersonResolver = field(default_factory=NoLinks)
    # signs `more` links: the app's secret key, or one of this process's own when it has none
    cursor_key: str | bytes = field(default_factory=lambda: secrets.token_bytes(32))


@dataclass
class XRequest:
    """A request as the resource sees it, after the alternate request syntax is unfolded."""

    method: str
    headers: dict[str, str]
    args: dict[str, str]
    body: bytes
    principal: Principal | None = None
    version: str = VERSION
    alternate: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_2(self) -> bool:
        """Return True when the request is served in xAPI 2.0."""
        return self.version == VERSION_2

    @property
    def content_type(self) -> str:
        """Return the media type, lower-case, parameters stripped."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self, what: str = "The request body") -> Any:
        """Parse the body as JSON, or raise BadRequest."""
        try:
            return jsonio.loads(self.body or b"null")
        except ValueError as exc:
            raise BadRequest(f"{what} {exc}.") from None


def lrs() -> Lrs:
    """Return the app's LRS."""
    return current_app.extensions[EXTENSION_KEY]


def x_request() -> XRequest:
    """Return the unfolded request, building it on first use."""
    if "xreq" not in g:
        g.xreq = _unfold()
    return g.xreq


def _unfold() -> XRequest:
    headers = {k.lower(): v for k, v in request.headers.items()}
    args = dict(request.args.items())
    if len(request.args.getlist("method")) and request.method == "POST":
        if set(args) != {"method"}:
            raise BadRequest(
                "With the alternate request syntax the query string may hold only "
                "the method parameter."
            )
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise BadRequest(
                "Content-Type: the alternate request syntax needs "
                "application/x-www-form-urlencoded."
            )
        method = args.pop("method").upper()
        if method not in {"GET", "PUT", "POST", "DELETE", "HEAD"}:
            raise BadRequest(f"method: {method} is not an HTTP method the LRS serves.")
        form = parse_qsl(request.get_data(as_text=True), keep_blank_values=True)
        headers.pop("content-type", None)
        body = b""
        for name, value in form:
            if name.lower() in _HEADER_FIELDS:
                headers[name.lower()] = value
            elif name == "content":
                body = value.encode()
            else:
                args[name] = value
        headers.pop("content-length", None)
        return XRequest(method, headers, args, body, alternate=True)
    return XRequest(request.method, headers, args, request.get_data())


def answer_version(value: str | None) -> str:
    """Return the version a request is served in, from its X-Experience-API-Version value."""
    value = (value or "").strip()
    if formats.is_version(value) and value.startswith("2."):
        return VERSION_2
    return VERSION


def check_version(xreq: XRequest) -> None:
    """Require a supported X-Experience-API-Version header and serve the request in it."""
    value = xreq.headers.get("x-experience-api-version")
    if value is None:
        raise BadRequest(
            "X-Experience-API-Version: the header is required (1.0.3 or 2.0.0, for example)."
        )
    if not formats.is_version(value.strip()):
        raise BadRequest(
            f"X-Experience-API-Version: {value!r} is not a supported version; "
            f"use one of {', '.join(VERSIONS)}."
        )
    xreq.version = answer_version(value)


def authenticate(xreq: XRequest) -> Principal:
    """Return the principal of the request's HTTP Basic credentials, or raise Unauthorized."""
    header = xreq.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized("Authorization: send the LRS key and secret with HTTP Basic.")
    try:
        key, _, secret = base64.b64decode(token.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("Authorization: the Basic credentials are not valid base64.") from None
    principal = lrs().auth.verify(key, secret)
    if principal is None:
        raise Unauthorized("Authorization: unknown key, wrong secret or revoked key.")
    xreq.principal = principal
    return principal


def require(xreq: XRequest, *scopes: str) -> Principal:
    """Authenticate and require one of the scopes (`all` always suffices)."""
    principal = xreq.principal or authenticate(xreq)
    if not principal.can(*scopes):
        raise Forbidden(
            f"This key lacks the scope for this request (needs one of {', '.join(scopes)})."
        )
    return principal


def start(*, needs_version: bool = True) -> XRequest:
    """Unfold the request and check its version header (About's may be absent or unknown).

    xAPI 2.0 removed the alternate request syntax, so a request that uses it in 2.0 is refused.
    """
    xreq = x_request()
    if needs_version:
        check_version(xreq)
    else:
        xreq.version = answer_version(xreq.headers.get("x-experience-api-version"))
    if xreq.alternate and xreq.is_2:
        raise BadRequest(
            "method: xAPI 2.0 has no alternate request syntax; send the request with its own "
            "HTTP method, headers and query string (or in xAPI 1.0.3)."
        )
    return xreq


def allowed_args(xreq: XRequest, allowed: set[str]) -> None:
    """Reject query parameters the resource does not define."""
    unknown = sorted(set(xreq.args) - allowed)
    if unknown:
        raise BadRequest(f"{unknown[0]}: is not a parameter of this resource.", field=unknown[0])


def json_response(value: Any, status: int = 200, headers: dict | None = None) -> Response:
    """Return a JSON response."""
    body = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json", headers=headers or {})


def http_date(micros: int) -> str:
    """Return an HTTP date (RFC 7231) of microseconds since the epoch."""
    return format_datetime(datetime.fromtimestamp(micros / 1e6, UTC), usegmt=True)
