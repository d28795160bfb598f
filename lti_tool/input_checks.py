"""Refuse, before any view runs, request text that no database column can hold.

PostgreSQL's text cannot contain NUL (U+0000), so a NUL in a path, a query parameter or a form
field would fail the first query that used it. Such a request is refused with 400 naming the
problem (`nul_character`). Request bodies of the LRS are read by the LRS itself, which refuses
NUL in JSON (`xapi.lrs.jsonio`).
"""

from __future__ import annotations

from flask import Flask, request

from lti_tool.errors import UserFacingError

_FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _holds_nul() -> bool:
    if "\x00" in request.path or b"%00" in request.query_string:
        return True
    if any("\x00" in value for value in request.args.values()):
        return True
    if request.mimetype in _FORMS and not request.path.startswith("/xapi"):
        return any("\x00" in value for value in request.form.values())
    return False


def _refuse_nul() -> None:
    if _holds_nul():
        raise UserFacingError(
            "The request holds a NUL character (U+0000), which leadpath cannot store.",
            hint="Remove the character from the address or the form and try again.",
            code="nul_character",
            status=400,
        )


def init_app(app: Flask) -> None:
    """Check every request for text that cannot be stored."""
    app.before_request(_refuse_nul)
