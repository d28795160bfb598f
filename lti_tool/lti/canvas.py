"""Canvas's developer key configuration for leadpath, served at /lti/canvas.json.

A Canvas administrator makes an LTI developer key with "Method: Enter URL" and this address;
Canvas reads the tool's login, launch and keyset URLs, the services it may use (scopes), the
privacy level (names and email, which leadpath keeps only when sent) and where it appears:
deep linking from modules (`link_selection`) and assignments (`assignment_selection`, where
the gradebook column the instructor asks for becomes the assignment's).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify

from lti_tool.lti import claims as c

bp = Blueprint("canvas", __name__)
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = [
    AGS + "lineitem",
    AGS + "lineitem.readonly",
    AGS + "result.readonly",
    AGS + "score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


def canvas_configuration(base_url: str) -> dict:
    """Return the developer key JSON for a leadpath served at base_url."""
    launch = base_url + "/lti/launch"
    placements = [
        {
            "placement": placement,
            "message_type": c.DEEP_LINKING_REQUEST,
            "target_link_uri": launch,
            "text": text,
        }
        for placement, text in (
            ("link_selection", "leadpath assessment"),
            ("assignment_selection", "leadpath self-assessment"),
        )
    ]
    return {
        "title": "leadpath",
        "description": "NHS Leadership Framework self-assessments, 360 feedback and supervisor "
        "validation, recorded as xAPI.",
        "oidc_initiation_url": base_url + "/lti/login",
        "target_link_uri": launch,
        "public_jwk_url": base_url + "/lti/jwks",
        "scopes": SCOPES,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urlsplit(base_url).netloc,
                "tool_id": "leadpath",
                "privacy_level": "public",
                "settings": {"text": "leadpath", "placements": placements},
            }
        ],
        "custom_fields": {},
    }


@bp.get("/lti/canvas.json")
def configuration():
    """Serve the Canvas developer key configuration (public: it holds only public URLs)."""
    response = jsonify(canvas_configuration(current_app.config["LEADPATH"].base_url))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
