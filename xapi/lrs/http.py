"""The LRS on a Flask app: `init_app(app, engine, home_page, persons=...)` serves `/xapi/`.

Each resource module adds its own routes (`register(bp)`) to the blueprint made here; this
module adds the version header and turns errors into JSON answers.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, request
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from xapi.lrs import formats, http_documents, http_statements
from xapi.lrs.credentials import Authenticator
from xapi.lrs.errors import XapiError
from xapi.lrs.http_request import EXTENSION_KEY, Lrs, answer_version, json_response
from xapi.lrs.persons import NoLinks, PersonResolver

PREFIX = "/xapi"
VERSION_HEADER = "X-Experience-API-Version"


def _version_header(response: Response) -> Response:
    if request.path.startswith(PREFIX + "/") or request.path == PREFIX:
        xreq = g.get("xreq")
        version = xreq.version if xreq else answer_version(request.headers.get(VERSION_HEADER))
        response.headers["X-Experience-API-Version"] = version
    xreq = g.get("xreq")
    method = xreq.method if xreq else request.method
    if request.path.startswith(PREFIX + "/statements") and method in {"GET", "HEAD"}:
        # every answer to a statement read carries it, a 404 or 400 included (xAPI 2.1.3),
        # even for a mistyped path such as /statementslimit=1 (a query that lost its "?")
        response.headers.setdefault(
            "X-Experience-API-Consistent-Through", formats.format_micros(formats.now_micros())
        )
    return response


def _xapi_error(exc: XapiError):
    response = json_response(exc.as_dict(), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="leadpath LRS"'
    if exc.status == 503:
        response.headers["Retry-After"] = "1"
    return response


def _http_error(exc: HTTPException):
    return json_response(
        {
            "error": (exc.name or "error").lower().replace(" ", "_"),
            "message": exc.description or "",
        },
        exc.code or 500,
    )


def blueprint() -> Blueprint:
    """Return a blueprint serving every LRS resource."""
    bp = Blueprint("lrs", __name__, url_prefix=PREFIX)
    bp.after_app_request(_version_header)
    bp.register_error_handler(XapiError, _xapi_error)
    bp.register_error_handler(HTTPException, _http_error)
    http_statements.register(bp)
    http_documents.register(bp)
    return bp


def init_app(
    app: Flask, engine: Engine, home_page: str, *, persons: PersonResolver | None = None
) -> Lrs:
    """Serve the LRS under /xapi/ on the app, storing in `engine`.

    `home_page` names credentials' authority accounts; `persons` says which identifiers the
    Agents resource reports as one person (by default each is its own).
    """
    lrs = Lrs(engine, Authenticator(engine, home_page), persons or NoLinks())
    if app.secret_key:
        lrs.cursor_key = app.secret_key
    app.extensions[EXTENSION_KEY] = lrs
    app.register_blueprint(blueprint())
    return lrs
