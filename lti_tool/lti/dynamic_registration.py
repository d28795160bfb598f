"""LTI Dynamic Registration 1.0: an LMS administrator registers leadpath by pasting one URL.

An administrator of leadpath runs `leadpath platform invite`, which prints
``/lti/register?invitation=…``; the LMS administrator pastes it, and the platform opens it with
``openid_configuration=…&registration_token=…`` added. Without a usable invitation the page
answers 403 and fetches nothing. leadpath then reads the platform's OpenID configuration, posts
its client registration to the platform's registration endpoint (on the configuration's own
origin), stores the client id it gets back (pending approval when LEADPATH_PLATFORM_APPROVAL is
on) and asks the platform to close the dialog with the ``org.imsglobal.lti.close`` message.
The fetches themselves are in registration_http.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request

from lti_tool import logs
from lti_tool.lti import claims as c
from lti_tool.lti import invitations
from lti_tool.lti.platform_urls import allowed as _allowed_url
from lti_tool.lti.platform_urls import same_origin
from lti_tool.lti.registration_http import RETRY_HINT, RegistrationError, call, json_object, summary
from lti_tool.lti.registry import add_platform
from lti_tool.settings import Settings

__all__ = ["RegistrationError", "bp"]

bp = Blueprint("lti_registration", __name__)

_PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
_TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
_TOOL_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
# Moodle 3.10 advertised resource links as "LtiResourceLink".
_RESOURCE_LINK_TYPES = {c.RESOURCE_LINK_REQUEST, "LtiResourceLink"}
_CANVAS = "https://canvas.instructure.com/lti/"
_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
_ASK_FOR_INVITATION = (
    "Ask leadpath's administrator to run `leadpath platform invite` and paste the registration "
    "URL it prints into the LMS (Moodle: Site administration → Plugins → External tool → Manage "
    "tools → Tool URL)."
)


@dataclass(frozen=True)
class _PlatformConfiguration:
    """The parts of a platform's OpenID configuration leadpath uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    scopes_supported: frozenset[str]
    product_family_code: str
    message_types: frozenset[str]
    token_audience: str | None = None

    @property
    def name(self) -> str:
        """Return a readable name such as 'moodle at lms.example.ac.uk'."""
        return f"{self.product_family_code} at {urlsplit(self.issuer).netloc}"[:255]


def _settings() -> Settings:
    return current_app.config["LEADPATH"]


def _under_issuer(url: str, issuer: str) -> bool:
    """Return True when url is on the issuer's origin and under its path."""
    ours, theirs = urlsplit(issuer), urlsplit(url)
    base = ours.path.rstrip("/") + "/"
    return (
        theirs.scheme == ours.scheme
        and theirs.netloc.lower() == ours.netloc.lower()
        and (theirs.path.rstrip("/") + "/").startswith(base)
    )


def _fetch_configuration(settings: Settings, url: str, token: str | None) -> _PlatformConfiguration:
    """Fetch and check the platform's OpenID configuration."""
    what = "the platform's OpenID configuration"
    if not _allowed_url(settings, url):
        raise RegistrationError(
            "platform_config_insecure",
            f"The OpenID configuration URL {url} is not an https address.",
            "Serve the LMS over https (its wwwroot must start with https://) and register again.",
        )
    status, content, content_type = call("GET", url, what, "platform_config", token)
    config = json_object(content) if status == 200 else None
    if config is None:
        raise RegistrationError(
            "platform_config_invalid",
            f"leadpath got no JSON object from {what} at {url} "
            f"({summary(status, content, content_type)}).",
            RETRY_HINT,
        )
    issuer = config.get("issuer")
    if not _allowed_url(settings, issuer) or not _under_issuer(url, issuer):
        shown = issuer[:200] if isinstance(issuer, str) else type(issuer).__name__
        raise RegistrationError(
            "platform_issuer_mismatch",
            f"The platform's issuer {shown!r} is not an https address that the configuration "
            f"URL {url} starts with.",
            "The LMS's issuer (Moodle: its wwwroot) must be the https address the "
            "configuration is served from; correct it in the LMS and register again.",
        )
    missing = [name for name in _ENDPOINTS if not _allowed_url(settings, config.get(name))]
    endpoint = config.get("registration_endpoint")
    if "registration_endpoint" not in missing and not same_origin(endpoint, url):
        missing.append("registration_endpoint on the configuration's own origin")
    platform = config.get(_PLATFORM_CONFIGURATION)
    platform = platform if isinstance(platform, dict) else {}
    family = platform.get("product_family_code")
    if not isinstance(family, str) or not family.strip():
        missing.append(f"{_PLATFORM_CONFIGURATION} product_family_code")
    messages = platform.get("messages_supported")
    types = {
        m.get("type") if isinstance(m, dict) else m
        for m in (messages if isinstance(messages, list) else [])
    }
    if not types & _RESOURCE_LINK_TYPES:
        missing.append(f"{_PLATFORM_CONFIGURATION} messages_supported with LtiResourceLinkRequest")
    if missing:
        raise RegistrationError(
            "platform_config_invalid",
            f"leadpath cannot use {what} at {url}; it lacks or has unusable values for: "
            f"{', '.join(missing)}.",
            "The LMS must support LTI 1.3 Dynamic Registration; otherwise register leadpath "
            "manually with `leadpath platform add`.",
        )
    scopes = config.get("scopes_supported")
    scopes = scopes if isinstance(scopes, list) else []
    # LTI-DR: the audience of client assertions when it is not the token endpoint (Brightspace
    # names its OAuth 2 audience; Canvas gives a bare host name, which is not one).
    audience = config.get("authorization_server")
    return _PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=config["authorization_endpoint"],
        token_endpoint=config["token_endpoint"],
        jwks_uri=config["jwks_uri"],
        registration_endpoint=config["registration_endpoint"],
        scopes_supported=frozenset(s for s in scopes if isinstance(s, str)),
        product_family_code=family.strip(),
        message_types=frozenset(t for t in types if isinstance(t, str)),
        token_audience=audience[:1024] if _allowed_url(settings, audience) else None,
    )


def _client_registration(settings: Settings, platform: _PlatformConfiguration) -> dict:
    """Return leadpath's client registration request for this platform."""
    launch_url = settings.url("/lti/launch")
    messages: list[dict] = [{"type": c.RESOURCE_LINK_REQUEST}]
    if c.DEEP_LINKING_REQUEST in platform.message_types:
        messages.append(
            {
                "type": c.DEEP_LINKING_REQUEST,
                "target_link_uri": launch_url,
                "label": "leadpath assessment",
            }
        )
    if c.SUBMISSION_REVIEW_REQUEST in platform.message_types:
        messages.append({"type": c.SUBMISSION_REVIEW_REQUEST, "target_link_uri": launch_url})
    tool = {
        "domain": urlsplit(settings.base_url).netloc,
        "description": "NHS Leadership Framework self-assessments recorded as xAPI.",
        "target_link_uri": launch_url,
        "custom_parameters": {},
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
        "messages": messages,
    }
    if platform.product_family_code == "canvas":
        # Canvas sends names and email only at this privacy level, and shows deep linking
        # where its messages name placements (modules and assignments).
        tool[_CANVAS + "privacy_level"] = "public"
        tool[_CANVAS + "tool_id"] = "leadpath"
        for message in messages:
            if message["type"] == c.DEEP_LINKING_REQUEST:
                message["placements"] = ["link_selection", "assignment_selection"]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": settings.url("/lti/login"),
        "redirect_uris": [launch_url],
        "client_name": "leadpath",
        "jwks_uri": settings.url("/lti/jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(s for s in _TOOL_SCOPES if s in platform.scopes_supported),
        _TOOL_CONFIGURATION: tool,
    }


def _register_client(
    settings: Settings, platform: _PlatformConfiguration, token: str | None
) -> tuple[str, str | None]:
    """Post the client registration; return the platform's client id and deployment id."""
    url = platform.registration_endpoint
    what = "the platform's registration endpoint"
    body = _client_registration(settings, platform)
    status, content, content_type = call("POST", url, what, "registration_endpoint", token, body)
    if status >= 300:
        logs.event(
            "registration_refused_by_platform",
            status=status,
            size=len(content),
            content_type=content_type[:60],
        )
        raise RegistrationError(
            "registration_refused",
            "The platform refused leadpath's registration "
            f"({summary(status, content, content_type)}); its log says why.",
            "Start the registration again from the LMS; if it is refused again, register "
            "leadpath manually with `leadpath platform add`.",
        )
    answer = json_object(content) or {}
    client_id = answer.get("client_id")
    if not isinstance(client_id, str | int) or not str(client_id).strip():
        raise RegistrationError(
            "registration_response_invalid",
            f"The answer from {what} at {url} has no client_id.",
            RETRY_HINT,
        )
    tool = answer.get(_TOOL_CONFIGURATION)
    deployment_id = tool.get("deployment_id") if isinstance(tool, dict) else None
    return str(client_id).strip(), str(deployment_id) if deployment_id else None


def _refused(exc: invitations.InvitationRefused) -> RegistrationError:
    return RegistrationError(exc.code, str(exc), _ASK_FOR_INVITATION, status=403)


@bp.get("/lti/register")
def register():
    """Register leadpath with the platform that opened this page (LTI Dynamic Registration)."""
    settings = _settings()
    db = current_app.extensions["leadpath.db"]
    invitation = request.args.get(invitations.PARAM)
    config_url = (request.args.get("openid_configuration") or "").strip()
    token = (request.args.get("registration_token") or "").strip() or None
    try:
        invitations.check(db.engine, invitation)
    except invitations.InvitationRefused as exc:
        raise _refused(exc) from None
    if not config_url:
        raise RegistrationError(
            "openid_configuration_missing",
            "This page was opened without the platform's 'openid_configuration' parameter.",
            "Paste this whole registration URL (with its invitation) as the tool URL in the "
            "LMS's tool registration (Moodle: Site administration → Plugins → External tool → "
            "Manage tools) rather than opening it directly.",
        )
    try:
        invitation_id = invitations.claim(db.engine, invitation)
    except invitations.InvitationRefused as exc:
        raise _refused(exc) from None
    try:
        platform = _fetch_configuration(settings, config_url, token)
        client_id, deployment_id = _register_client(settings, platform, token)
        with db.transaction() as session:
            stored, created = add_platform(
                session,
                issuer=platform.issuer,
                client_id=client_id,
                deployment_ids=[deployment_id] if deployment_id else [],
                auth_login_url=platform.authorization_endpoint,
                auth_token_url=platform.token_endpoint,
                key_set_url=platform.jwks_uri,
                name=platform.name,
                token_audience=platform.token_audience,
            )
            if settings.platform_approval:
                stored.status = "pending"
            invitations.mark_used(session, invitation_id, stored.id)
    except BaseException:
        invitations.give_back(db.engine, invitation_id)
        raise
    logs.event(
        "platform_registered",
        issuer=platform.issuer,
        client_id=client_id,
        created=created,
        pending=settings.platform_approval,
    )
    page = render_template(
        "register.html",
        platform_name=platform.name,
        issuer=platform.issuer,
        client_id=client_id,
        deployment_id=deployment_id,
        pending=settings.platform_approval,
    )
    return page, 200, {"Cache-Control": "no-store"}
