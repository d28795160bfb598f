"""The embedded LRS described in OpenAPI 3.1: its resources, parameters, bodies, answers, auth.

`paths(prefix)` and `components()` are merged by the app into the document it serves at
`/xapi/openapi.json`. The description follows what the views accept (xAPI 1.0.3 and 2.0.0,
Communication part): every resource but About needs HTTP Basic credentials of an LRS key and an
`X-Experience-API-Version` header; every refusal is a JSON `Error` naming the problem.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON_OBJECT = {"type": "object"}
_VERSION = {
    "name": "X-Experience-API-Version",
    "in": "header",
    "required": True,
    "description": "The xAPI version the request is written in; the answer says which it used.",
    "schema": {"type": "string", "enum": ["1.0.3", "2.0.0"]},
}
_AGENT_TEXT = "An Agent as JSON, identified by mbox, mbox_sha1sum, openid or account."


def _param(name: str, description: str, *, required: bool = False, **schema: Any) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _answers(ok: dict, *, not_found: bool = False, conflict: bool = False) -> dict:
    answers = {
        **ok,
        "400": {
            "description": "The request is malformed; the message names the field.",
            "content": {"application/json": {"schema": _ERROR}},
        },
        "401": {
            "description": "No, wrong or revoked credentials.",
            "content": {"application/json": {"schema": _ERROR}},
        },
        "403": {
            "description": "The key lacks the scope this request needs.",
            "content": {"application/json": {"schema": _ERROR}},
        },
    }
    if not_found:
        answers["404"] = {
            "description": "No such statement or document.",
            "content": {"application/json": {"schema": _ERROR}},
        }
    if conflict:
        answers["409"] = {
            "description": "The id is held by other content, or a precondition is needed.",
            "content": {"application/json": {"schema": _ERROR}},
        }
        answers["412"] = {
            "description": "If-Match or If-None-Match did not hold.",
            "content": {"application/json": {"schema": _ERROR}},
        }
    answers["503"] = {
        "description": "The store stayed busy with other writers; try again shortly (Retry-After).",
        "content": {"application/json": {"schema": _ERROR}},
    }
    return answers


_STATEMENT_QUERY = [
    _param("statementId", "The statement to return (UUID).", format="uuid"),
    _param("voidedStatementId", "The voided statement to return (UUID).", format="uuid"),
    _param("agent", _AGENT_TEXT + " Statements about it."),
    _param("verb", "A verb IRI."),
    _param("activity", "An activity IRI."),
    _param("registration", "A registration (UUID).", format="uuid"),
    _param(
        "related_activities", "Match the activity anywhere in a statement.", enum=["true", "false"]
    ),
    _param("related_agents", "Match the agent anywhere in a statement.", enum=["true", "false"]),
    _param("since", "Only statements stored after this ISO 8601 timestamp.", format="date-time"),
    _param("until", "Only statements stored at or before this timestamp.", format="date-time"),
    _param(
        "limit",
        "Most statements per page, in the digits 0-9 (0: the server's maximum).",
        pattern="^[0-9]{1,18}$",
    ),
    _param(
        "format",
        "How agents, groups and activities are written.",
        enum=["ids", "exact", "canonical"],
    ),
    _param("attachments", "Answer multipart/mixed with the attachments.", enum=["true", "false"]),
    _param("ascending", "Oldest first.", enum=["true", "false"]),
    _param("more", "The signed cursor of a `more` link this LRS made (use the link as it is)."),
]
_DOCUMENT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _JSON_OBJECT},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}
_PRECONDITIONS = [
    {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}},
    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
]


def _documents(tag: str, params: list[dict], id_name: str, *, precondition: bool) -> dict:
    """Return the GET/PUT/POST/DELETE operations of one document resource."""
    listing = "With no " + id_name + ", the ids of the documents (JSON array)."
    doc = {
        "description": "The document, in the Content-Type it was stored with. " + listing,
        "content": {"*/*": {"schema": {}}},
    }
    stored = {"description": "Stored; the answer carries the new ETag."}
    get_params = [
        *params,
        _param(id_name, "The document's id."),
        _param(
            "since", "With no id: only documents changed after this timestamp.", format="date-time"
        ),
    ]
    write_params = [*params, _param(id_name, "The document's id.", required=True), *_PRECONDITIONS]
    note = " A PUT needs If-Match or If-None-Match." if precondition else ""
    return {
        "get": {
            "tags": [tag],
            "summary": "Read one document, or list ids",
            "parameters": get_params,
            "responses": _answers({"200": doc}, not_found=True),
        },
        "put": {
            "tags": [tag],
            "summary": "Store a document." + note,
            "parameters": write_params,
            "requestBody": _DOCUMENT_BODY,
            "responses": _answers({"204": stored}, conflict=True),
        },
        "post": {
            "tags": [tag],
            "summary": "Merge a JSON object into the document",
            "parameters": write_params,
            "requestBody": _DOCUMENT_BODY,
            "responses": _answers({"204": stored}, conflict=True),
        },
        "delete": {
            "tags": [tag],
            "summary": "Delete the document (State: or every document of the agent)",
            "parameters": [*params, _param(id_name, "The document's id."), *_PRECONDITIONS[:1]],
            "responses": _answers({"204": {"description": "Deleted."}}, conflict=True),
        },
    }


def paths(prefix: str = "/xapi") -> dict:
    """Return the OpenAPI paths of every LRS resource under `prefix`."""
    activity = _param("activityId", "The activity's IRI.", required=True)
    agent = _param("agent", _AGENT_TEXT, required=True)
    result = {
        "description": "A statement, or a StatementResult with a `more` link.",
        "content": {
            "application/json": {"schema": _JSON_OBJECT},
            "multipart/mixed": {"schema": {}},
        },
    }
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_JSON_OBJECT, {"type": "array", "items": _JSON_OBJECT}]}
            },
            "multipart/mixed": {"schema": {"type": "string", "format": "binary"}},
        },
    }
    return {
        f"{prefix}/statements": {
            "parameters": [_VERSION],
            "get": {
                "tags": ["Statements"],
                "summary": "Read one statement or query statements",
                "parameters": _STATEMENT_QUERY,
                "responses": _answers({"200": result}, not_found=True),
            },
            "put": {
                "tags": ["Statements"],
                "summary": "Store one statement with the given id",
                "parameters": [
                    _param(
                        "statementId", "The statement's id (UUID).", required=True, format="uuid"
                    )
                ],
                "requestBody": body,
                "responses": _answers(
                    {"204": {"description": "Stored (or already held, the same)."}}, conflict=True
                ),
            },
            "post": {
                "tags": ["Statements"],
                "summary": "Store a statement or a batch (all or none)",
                "requestBody": body,
                "responses": _answers(
                    {
                        "200": {
                            "description": "The ids of the statements, in order.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "uuid"},
                                    }
                                }
                            },
                        }
                    },
                    conflict=True,
                ),
            },
        },
        f"{prefix}/activities/state": {
            "parameters": [_VERSION],
            **_documents(
                "State",
                [activity, agent, _param("registration", "A registration (UUID).", format="uuid")],
                "stateId",
                precondition=False,
            ),
        },
        f"{prefix}/activities/profile": {
            "parameters": [_VERSION],
            **_documents("Activity Profile", [activity], "profileId", precondition=True),
        },
        f"{prefix}/agents/profile": {
            "parameters": [_VERSION],
            **_documents("Agent Profile", [agent], "profileId", precondition=True),
        },
        f"{prefix}/activities": {
            "parameters": [_VERSION],
            "get": {
                "tags": ["Activities"],
                "summary": "The canonical definition of an activity",
                "parameters": [activity],
                "responses": _answers(
                    {
                        "200": {
                            "description": "An Activity.",
                            "content": {"application/json": {"schema": _JSON_OBJECT}},
                        }
                    },
                    not_found=True,
                ),
            },
        },
        f"{prefix}/agents": {
            "parameters": [_VERSION],
            "get": {
                "tags": ["Agents"],
                "summary": "The Person object of an agent",
                "parameters": [agent],
                "responses": _answers(
                    {
                        "200": {
                            "description": "A Person.",
                            "content": {"application/json": {"schema": _JSON_OBJECT}},
                        }
                    }
                ),
            },
        },
        f"{prefix}/about": {
            "get": {
                "tags": ["About"],
                "summary": "The versions this LRS speaks",
                "security": [],
                "responses": {
                    "200": {
                        "description": "Versions and extensions.",
                        "content": {"application/json": {"schema": _JSON_OBJECT}},
                    }
                },
            },
        },
    }


def components() -> dict:
    """Return the components the LRS paths refer to: the Error schema and Basic auth."""
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "description": "A code, such as bad_request."},
                    "message": {
                        "type": "string",
                        "description": "One sentence naming the problem.",
                    },
                    "field": {
                        "type": "string",
                        "description": "The parameter or statement path at fault.",
                    },
                },
            }
        },
        "securitySchemes": {
            "lrsKey": {
                "type": "http",
                "scheme": "basic",
                "description": "An LRS key and its secret; the key's scopes decide what it may do.",
            }
        },
    }
