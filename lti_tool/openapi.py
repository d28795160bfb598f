"""`/xapi/openapi.json`: an OpenAPI 3.1 description of the embedded LRS and the admin routes.

The LRS describes itself (`xapi.lrs.openapi`); this module adds the administrator's sign-in and
statement browser, which answer HTML pages and are authorised by the admin session cookie (a
request without one is sent to the sign-in page, 302). Served to anyone: it describes the
routes, not data.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from xapi.lrs import openapi as lrs_openapi

bp = Blueprint("openapi", __name__)
_HTML = {"text/html": {"schema": {"type": "string"}}}
_ADMIN = [{"adminSession": []}]
_SIGN_IN = {"description": "Not signed in: sent to /admin/login?next=…"}
_REFUSED = {"description": "A value is malformed; the page names it.", "content": _HTML}
_FILTERS = [
    ("learner", "A learner's account name or name."),
    ("verb", "A verb IRI or display name."),
    ("activity", "An activity IRI or name."),
    ("course", "A course (grouping activity) IRI or name."),
    ("registration", "A registration (UUID)."),
    ("from", "Stored on or after this day (YYYY-MM-DD)."),
    ("to", "Stored on or before this day (YYYY-MM-DD)."),
    ("voided", "1 to include voided statements."),
]


def _query(name: str, description: str, **schema) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def admin_paths() -> dict:
    """Return the OpenAPI paths of the administrator's pages."""
    filters = [_query(name, text) for name, text in _FILTERS]
    form = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password", "csrf_token"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "csrf_token": {"type": "string"},
                    },
                }
            }
        },
    }
    csrf_only = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"csrf_token": {"type": "string"}}}
            }
        },
    }
    next_param = _query("next", "A path on leadpath to go to after signing in.")
    return {
        "/admin/login": {
            "get": {
                "tags": ["Admin"],
                "summary": "The sign-in form",
                "security": [],
                "parameters": [next_param],
                "responses": {"200": {"description": "The form.", "content": _HTML}},
            },
            "post": {
                "tags": ["Admin"],
                "summary": "Sign in (the form's CSRF token is required)",
                "security": [],
                "parameters": [next_param],
                "requestBody": form,
                "responses": {
                    "302": {"description": "Signed in: sent to `next` or the browser."},
                    "400": {"description": "The CSRF token is missing or wrong.", "content": _HTML},
                    "401": {"description": "Wrong username or password.", "content": _HTML},
                    "429": {"description": "Too many wrong passwords.", "content": _HTML},
                },
            },
        },
        "/admin/logout": {
            "post": {
                "tags": ["Admin"],
                "summary": "Sign out (ends the session on the server)",
                "security": _ADMIN,
                "requestBody": csrf_only,
                "responses": {
                    "302": {"description": "Signed out: sent to the sign-in page."},
                    "400": {"description": "The CSRF token is missing or wrong.", "content": _HTML},
                },
            }
        },
        "/admin/lrs": {
            "get": {
                "tags": ["Admin"],
                "summary": "The statement browser: filters, counts, charts, a page of statements",
                "security": _ADMIN,
                "parameters": [*filters, _query("after", "The page cursor (stored:sequence).")],
                "responses": {
                    "200": {"description": "The page.", "content": _HTML},
                    "302": _SIGN_IN,
                    "400": _REFUSED,
                },
            }
        },
        "/admin/lrs/export.{fmt}": {
            "get": {
                "tags": ["Admin"],
                "summary": "Download the filtered statements",
                "security": _ADMIN,
                "parameters": [
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["csv", "jsonl"]},
                    },
                    *filters,
                ],
                "responses": {
                    "200": {
                        "description": "CSV (cells that spreadsheets would run are escaped) "
                        "or JSON Lines.",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    "302": _SIGN_IN,
                    "400": _REFUSED,
                    "404": {"description": "Not a download format.", "content": _HTML},
                },
            }
        },
        "/admin/programmes": {
            "get": {
                "tags": ["Admin"],
                "summary": "Programmes with their scope and leads, and the forms to change them",
                "security": _ADMIN,
                "parameters": [_query("done", "The change just made (shown as a notice).")],
                "responses": {
                    "200": {"description": "The page.", "content": _HTML},
                    "302": _SIGN_IN,
                },
            },
            "post": {
                "tags": ["Admin"],
                "summary": "Add or remove a programme, add to its scope, or grant a lead",
                "security": _ADMIN,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["csrf_token", "action"],
                                "properties": {
                                    "csrf_token": {"type": "string"},
                                    "action": {
                                        "type": "string",
                                        "enum": ["add", "scope", "grant", "remove"],
                                    },
                                    "programme": {"type": "string"},
                                    "title": {"type": "string"},
                                    "issuer": {"type": "string"},
                                    "deployment": {"type": "string"},
                                    "course": {"type": "string"},
                                    "sub": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "303": {"description": "Changed: back to the page with a notice."},
                    "302": _SIGN_IN,
                    "400": {"description": "The change was refused (said why).", "content": _HTML},
                },
            },
        },
        "/admin/lrs/statements/{statement_id}": {
            "get": {
                "tags": ["Admin"],
                "summary": "One statement's facts and JSON",
                "security": _ADMIN,
                "parameters": [
                    {
                        "name": "statement_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "The page.", "content": _HTML},
                    "302": _SIGN_IN,
                    "404": {"description": "No statement has this id.", "content": _HTML},
                },
            }
        },
    }


def document() -> dict:
    """Return the OpenAPI document of the LRS and the admin routes."""
    components = lrs_openapi.components()
    components["securitySchemes"]["adminSession"] = {
        "type": "apiKey",
        "in": "cookie",
        "name": current_app.config["SESSION_COOKIE_NAME"],
        "description": "The session cookie set by signing in at /admin/login.",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "leadpath: embedded LRS and administration",
            "version": "1.0.3, 2.0.0 (xAPI)",
            "description": "The xAPI resources leadpath serves under /xapi and its "
            "administrator's pages. Every refusal is a 4xx naming the problem.",
        },
        "servers": [{"url": current_app.config["LEADPATH"].base_url}],
        "security": [{"lrsKey": []}],
        "paths": {**lrs_openapi.paths("/xapi"), **admin_paths()},
        "components": components,
    }


@bp.get("/xapi/openapi.json")
def openapi_json():
    """Serve the OpenAPI description."""
    return jsonify(document())


def init_app(app: Flask) -> None:
    """Serve /xapi/openapi.json (before the LRS blueprint, whose routes it does not overlap)."""
    app.register_blueprint(bp)
