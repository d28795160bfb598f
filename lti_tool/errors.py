"""Errors a person can act on: every failure becomes a 4xx page (or JSON) with a clear sentence."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from lti_tool import events, logs


class UserFacingError(Exception):
    """An error shown to the person who made the request, with what to do about it."""

    status = 400
    code = "bad_request"
    title = "Something in this request could not be used"

    def __init__(
        self,
        detail: str,
        *,
        hint: str | None = None,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.hint = hint
        if code:
            self.code = code
        if status:
            self.status = status
        if title:
            self.title = title


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
        or request.path.startswith("/xapi/")
    )


def render_error(status: int, code: str, title: str, detail: str, hint: str | None = None):
    """Return an error response as JSON or as the HTML error page."""
    if _wants_json():
        body = {"error": code, "message": detail}
        if hint:
            body["hint"] = hint
        return jsonify(body), status
    return (
        render_template(
            "error.html",
            status=status,
            code=code,
            title=title,
            detail=detail,
            hint=hint,
            request_id=logs.current_request_id(),
        ),
        status,
    )


def init_app(app: Flask) -> None:
    """Install handlers so no request ends in a traceback."""

    @app.errorhandler(UserFacingError)
    def _user_error(exc: UserFacingError):
        # Failures of the LTI login/launch itself are "launch_failed"; the rest "request_refused".
        launch = request.blueprint == "lti"
        if launch:
            events.launch_refused.send(current_app._get_current_object(), check=exc.code)
        logs.event(
            "launch_failed" if launch else "request_refused",
            logging.WARNING,
            code=exc.code,
            check=exc.code if launch else None,
            status=exc.status,
            path=request.path,
            issuer=request.values.get("iss") if launch else None,
            detail=exc.detail,
        )
        return render_error(exc.status, exc.code, exc.title, exc.detail, exc.hint)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        return render_error(
            status,
            (exc.name or "error").lower().replace(" ", "_"),
            exc.name or "Error",
            exc.description or "",
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logs.logger.exception(
            "unhandled error", extra={"fields": {"event": "unhandled_error", "path": request.path}}
        )
        return render_error(
            500,
            "internal_error",
            "Something went wrong on our side",
            "The request could not be completed. Nothing was saved. Please try again; if it "
            "keeps failing, give your administrator the request id below.",
        )
