"""The leadpath xAPI Profile at ``{base}/xapi/profile``, and every IRI it coins.

The profile document (JSON-LD) answers at the profile IRI and at its version IRI; a concept,
template or pattern IRI under ``/xapi/profile/`` answers with that part of the document, or a
short page when a browser asks for HTML. These routes are public, unlike the embedded LRS.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request

from lti_tool.errors import UserFacingError
from lti_tool.framework_pages import wants_json
from xapi.profile import build_profile, version_iri

bp = Blueprint("xapi_profile", __name__)
JSON_LD = "application/ld+json"
PARTS = ("concepts", "templates", "patterns")


def _profile() -> dict:
    base = current_app.config["LEADPATH"].base_url
    cache = current_app.extensions.setdefault("leadpath.xapi_profile", {})
    if base not in cache:
        cache[base] = build_profile(base)
    return cache[base]


def _json(document: dict) -> Response:
    """Answer JSON-LD, or plain JSON when the client prefers application/json."""
    accept = request.accept_mimetypes
    mimetype = "application/json" if accept["application/json"] > accept[JSON_LD] else JSON_LD
    response = Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/xapi/profile")
def profile():
    """Serve the whole profile document."""
    return _json(_profile())


@bp.get("/xapi/profile/<path:rest>")
def profile_part(rest: str):
    """Serve the profile at its version IRI, or one concept, template or pattern."""
    document = _profile()
    base = current_app.config["LEADPATH"].base_url
    iri = base + request.path.rstrip("/")
    if iri == version_iri(base):
        return _json(document)
    for part in PARTS:
        for item in document[part]:
            if item["id"] == iri:
                if not wants_json() and "text/html" in request.accept_mimetypes.values():
                    return render_template(
                        "frameworks/xapi_concept.html", item=item, profile=document
                    )
                return _json({"@context": document["@context"], **item})
    raise UserFacingError(
        f"The leadpath xAPI profile defines nothing at {iri}.",
        hint=f"The whole profile is at {document['id']}.",
        code="unknown_iri",
        status=404,
        title="Nothing is defined at this address",
    )
