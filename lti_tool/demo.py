"""A development LMS inside leadpath: its own key pair, real OIDC login and signed id_token.

Off unless LEADPATH_DEMO=true. It registers itself in the platform registry and launches the
tool through the same /lti/login → authentication response → id_token form POST as any LMS.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

import jwt
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request
from sqlalchemy.exc import IntegrityError

from lti_tool.db import get_db
from lti_tool.lti import claims as c
from lti_tool.lti.registry import add_platform
from lti_tool.signing_keys import ensure_private_key, load_key_pair

bp = Blueprint("demo", __name__, url_prefix="/demo")
CLIENT_ID = "leadpath-demo"
DEPLOYMENT_ID = "demo-deployment"
EXTENSION_KEY = "leadpath.demo_key"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
USERS = {
    "learner": {
        "sub": "demo-learner",
        "name": "Alex Morgan",
        "given_name": "Alex",
        "family_name": "Morgan",
        "email": "alex.morgan@demo.leadpath.invalid",
        "roles": [LIS + "membership#Learner", LIS + "institution/person#Student"],
    },
    "instructor": {
        "sub": "demo-instructor",
        "name": "Dr Sam Patel",
        "given_name": "Sam",
        "family_name": "Patel",
        "email": "sam.patel@demo.leadpath.invalid",
        "roles": [LIS + "membership#Instructor", LIS + "institution/person#Faculty"],
    },
}


def issuer() -> str:
    """Return the demo platform's issuer."""
    return current_app.config["LEADPATH"].url("/demo")


def _key():
    return current_app.extensions[EXTENSION_KEY]


def ensure_registered() -> None:
    """Register the demo platform with the tool (idempotent)."""
    settings = current_app.config["LEADPATH"]
    try:
        with get_db().transaction() as session:
            add_platform(
                session,
                issuer=issuer(),
                client_id=CLIENT_ID,
                deployment_ids=[DEPLOYMENT_ID],
                auth_login_url=settings.url("/demo/auth"),
                auth_token_url=settings.url("/demo/token"),
                key_set_url=settings.url("/demo/jwks"),
                key_set={"keys": [_key().public_jwk]},
                name="leadpath demo platform",
            )
    except IntegrityError:
        pass  # another worker registered it at the same moment


@bp.get("")
def index():
    """Offer a launch as a learner or an instructor of the demo course."""
    return render_template("demo.html", users=USERS)


@bp.post("/start")
def start():
    """Begin a launch as the platform does: a third-party initiated login to the tool."""
    role = request.form.get("role", "learner")
    if role not in USERS:
        abort(400, "Choose 'learner' or 'instructor'.")
    ensure_registered()
    settings = current_app.config["LEADPATH"]
    params = {
        "iss": issuer(),
        "login_hint": USERS[role]["sub"],
        "target_link_uri": settings.url("/lti/launch"),
        "lti_message_hint": role,
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    return redirect(settings.url("/lti/login") + "?" + urlencode(params))


@bp.get("/auth")
def auth():
    """Answer the tool's authentication request with a signed id_token posted to it."""
    settings = current_app.config["LEADPATH"]
    args = request.args
    expected = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "client_id": CLIENT_ID,
        "redirect_uri": settings.url("/lti/launch"),
    }
    for name, value in expected.items():
        if args.get(name) != value:
            abort(400, f"The authentication request's '{name}' must be '{value}'.")
    if not args.get("nonce") or not args.get("state"):
        abort(400, "The authentication request needs a nonce and a state.")
    role = args.get("lti_message_hint", "learner")
    user = USERS.get(role)
    if user is None or args.get("login_hint") != user["sub"]:
        abort(400, "The login_hint does not match the demo user.")
    now = int(time.time())
    body = {
        "iss": issuer(),
        "aud": CLIENT_ID,
        "azp": CLIENT_ID,
        "sub": user["sub"],
        "iat": now,
        "exp": now + 300,
        "nonce": args["nonce"],
        "name": user["name"],
        "given_name": user["given_name"],
        "family_name": user["family_name"],
        "email": user["email"],
        c.MESSAGE_TYPE: c.RESOURCE_LINK_REQUEST,
        c.VERSION: "1.3.0",
        c.DEPLOYMENT_ID: DEPLOYMENT_ID,
        c.TARGET_LINK_URI: settings.url("/lti/launch"),
        c.ROLES: user["roles"],
        c.RESOURCE_LINK: {"id": "demo-self-assessment", "title": "Leadership self-assessment"},
        c.CONTEXT: {
            "id": "demo-course",
            "label": "LEAD101",
            "title": "Leadership in Practice (demo course)",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        c.TOOL_PLATFORM: {
            "guid": "leadpath-demo",
            "name": "leadpath demo platform",
            "product_family_code": "leadpath-demo",
            "version": "1",
        },
        c.CUSTOM: {"assessment": "self", "framework": "lf-2011", "career_phase": "foundation"},
        c.LAUNCH_PRESENTATION: {"document_target": "window", "return_url": settings.url("/demo")},
        "jti": str(uuid.uuid4()),
    }
    key = _key()
    token = jwt.encode(body, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    return render_template(
        "autopost.html",
        action=args["redirect_uri"],
        fields={"id_token": token, "state": args["state"]},
        method="post",
    )


@bp.get("/jwks")
def jwks():
    """Publish the demo platform's public key."""
    return {"keys": [_key().public_jwk]}


def init_app(app: Flask) -> None:
    """Load (or create) the demo platform's key pair and mount its routes."""
    path = app.config["LEADPATH"].keys_dir / "demo-platform.pem"
    ensure_private_key(path)
    app.extensions[EXTENSION_KEY] = load_key_pair(path)
    app.register_blueprint(bp)
