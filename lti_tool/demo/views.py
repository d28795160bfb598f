"""The demo's pages: choose an organisation, person and activity; the platform's OIDC side."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

import jwt
from flask import Blueprint, abort, current_app, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.db import get_db
from lti_tool.demo import accounts
from lti_tool.demo import catalogue as cat
from lti_tool.demo.platform_key import EXTENSION_KEY
from lti_tool.lti import claims as c
from lti_tool.lti.registry import add_platform
from lti_tool.models import Membership, PlatformUser

bp = Blueprint("demo", __name__, url_prefix="/demo")
# Kept for callers that name the first organisation's registration directly.
CLIENT_ID = cat.PLATFORMS[0].client_id
DEPLOYMENT_ID = cat.PLATFORMS[0].deployment_id


def issuer(platform: cat.DemoPlatform = cat.PLATFORMS[0]) -> str:
    """Return a demo organisation's issuer."""
    return current_app.config["LEADPATH"].url(platform.issuer_path)


def _key():
    return current_app.extensions[EXTENSION_KEY]


def ensure_registered() -> None:
    """Register every demo organisation with the tool (idempotent)."""
    settings = current_app.config["LEADPATH"]
    for platform in cat.PLATFORMS:
        try:
            with get_db().transaction() as session:
                add_platform(
                    session,
                    issuer=issuer(platform),
                    client_id=platform.client_id,
                    deployment_ids=[platform.deployment_id],
                    auth_login_url=settings.url("/demo/auth"),
                    auth_token_url=settings.url("/demo/token"),
                    key_set_url=settings.url("/demo/jwks"),
                    key_set={"keys": [_key().public_jwk]},
                    name=platform.name,
                )
        except IntegrityError:
            pass  # another worker registered it at the same moment
    _ensure_programme()


def _ensure_programme() -> None:
    """Define the demo's foundation school: a programme trusting the trust (idempotent)."""
    from lti_tool.programmes import service
    from lti_tool.programmes.models import Programme

    trust = issuer(cat.platform("trust"))
    try:
        with get_db().transaction() as session:
            programme = session.scalar(
                select(Programme).where(Programme.slug == cat.DEMO_PROGRAMME)
            )
            if programme is None:
                service.add(session, cat.DEMO_PROGRAMME, cat.DEMO_PROGRAMME_TITLE)
            elif service.trusts(programme, trust):
                return
            service.add_scope(session, cat.DEMO_PROGRAMME, trust)
    except IntegrityError:
        pass  # another worker defined it at the same moment


@bp.get("")
def index():
    """Offer a launch from each demo organisation, as each of its people, into each activity."""
    return render_template(
        "demo.html",
        platforms=cat.PLATFORMS,
        activities=cat.ACTIVITIES,
        admin=accounts.demo_admin(),
    )


@bp.get("/mail")
def mail():
    """Show the invitation emails the demo's SMTP sink kept, newest first."""
    from lti_tool.demo.mail import received

    return render_template(
        "demo_mail.html", mails=received(current_app.config["LEADPATH"].data_dir)
    )


@bp.post("/start")
def start():
    """Begin a launch as the platform does: a third-party initiated login to the tool."""
    platform = cat.platform(request.form.get("platform", cat.PLATFORMS[0].key))
    activity = cat.activity(request.form.get("activity", "self"))
    person = platform.person(request.form.get("role", "learner")) if platform else None
    if platform is None or activity is None or person is None:
        abort(400, "Choose one of the demo organisations, one of its people and an activity.")
    ensure_registered()
    settings = current_app.config["LEADPATH"]
    params = {
        "iss": issuer(platform),
        "login_hint": person.sub,
        "target_link_uri": settings.url("/lti/launch"),
        "lti_message_hint": f"{platform.key}:{activity.key}:{person.key}",
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }
    return redirect(settings.url("/lti/login") + "?" + urlencode(params))


def _chosen(args) -> tuple[cat.DemoPlatform, cat.Activity, cat.Person]:
    hint = args.get("lti_message_hint", "")
    parts = hint.split(":") if ":" in hint else [cat.PLATFORMS[0].key, "self", hint or "learner"]
    platform = cat.platform(parts[0]) if len(parts) == 3 else None
    activity = cat.activity(parts[1]) if platform else None
    person = platform.person(parts[2]) if platform else None
    if platform is None or activity is None or person is None:
        abort(400, "The lti_message_hint does not name a demo organisation, activity and person.")
    if platform.client_id != args.get("client_id"):
        abort(400, f"The authentication request's 'client_id' must be '{platform.client_id}'.")
    if args.get("login_hint") != person.sub:
        abort(400, "The login_hint does not match the demo user.")
    return platform, activity, person


def _mentees(platform) -> list[str]:
    """Return the users a demo organisation's mentor supervises (its role_scope_mentor).

    Everyone who launched from it as a learner; a real platform names a mentor's own mentees.
    """
    with get_db().sessions() as session:
        rows = session.execute(
            select(PlatformUser.sub, Membership.roles)
            .join(Membership, Membership.platform_user_id == PlatformUser.id)
            .where(PlatformUser.issuer == issuer(platform))
        ).all()
    learners = {sub for sub, roles in rows if "learner" in (roles or [])}
    known = {p.sub for p in platform.people if p.roles == cat.LEARNER_ROLES}
    return sorted(known | learners)


def _claims(platform, activity, person, nonce: str) -> dict:
    settings = current_app.config["LEADPATH"]
    now = int(time.time())
    custom = {"assessment": activity.assessment, "framework": "lf-2011"}
    if activity.assessment in ("self", "360"):
        custom["career_phase"] = platform.career_phase
    if person.programme:
        custom["programme"] = person.programme
    scope = {c.ROLE_SCOPE_MENTOR: _mentees(platform)} if person.roles == cat.MENTOR_ROLES else {}
    return {
        **scope,
        "iss": issuer(platform),
        "aud": platform.client_id,
        "azp": platform.client_id,
        "sub": person.sub,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        c.MESSAGE_TYPE: c.RESOURCE_LINK_REQUEST,
        c.VERSION: "1.3.0",
        c.DEPLOYMENT_ID: platform.deployment_id,
        c.TARGET_LINK_URI: settings.url("/lti/launch"),
        c.ROLES: list(person.roles),
        c.RESOURCE_LINK: {"id": f"demo-{activity.key}", "title": activity.title},
        c.CONTEXT: {
            "id": platform.course_id,
            "label": platform.course_label,
            "title": platform.course_title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        c.TOOL_PLATFORM: {
            "guid": f"leadpath-demo-{platform.key}",
            "name": platform.name,
            "product_family_code": "leadpath-demo",
            "version": "1",
        },
        c.CUSTOM: custom,
        c.LAUNCH_PRESENTATION: {"document_target": "window", "return_url": settings.url("/demo")},
        "jti": str(uuid.uuid4()),
    }


@bp.get("/auth")
def auth():
    """Answer the tool's authentication request with a signed id_token posted to it."""
    settings = current_app.config["LEADPATH"]
    args = request.args
    expected = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "redirect_uri": settings.url("/lti/launch"),
    }
    for name, value in expected.items():
        if args.get(name) != value:
            abort(400, f"The authentication request's '{name}' must be '{value}'.")
    if not args.get("nonce") or not args.get("state"):
        abort(400, "The authentication request needs a nonce and a state.")
    platform, activity, person = _chosen(args)
    key = _key()
    token = jwt.encode(
        _claims(platform, activity, person, args["nonce"]),
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    return render_template(
        "autopost.html",
        action=args["redirect_uri"],
        fields={"id_token": token, "state": args["state"]},
        method="post",
    )


@bp.get("/jwks")
def jwks():
    """Publish the demo platforms' public key."""
    return {"keys": [_key().public_jwk]}
