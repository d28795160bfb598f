"""OIDC third-party initiated login: check the request, remember state + nonce, redirect."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from flask import Request, make_response, redirect
from pylti1p3.cookies_allowed_check import CookiesAllowedCheckPage

from lti_tool.lti import platform_storage
from lti_tool.lti.errors import LaunchError, platform_pending
from lti_tool.lti.platform_urls import allowed as allowed_platform_url
from lti_tool.lti.registry import PlatformDirectory
from lti_tool.lti.state import PendingLogin
from lti_tool.settings import Settings

STATE_COOKIE_PREFIX = "leadpath-state-"
NEW_WINDOW_PARAM = "lti1p3_new_window"
_LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "lti_deployment_id",
    "client_id",
)


def is_our_url(settings: Settings, url: str | None) -> bool:
    """Return True when url points at this leadpath (same scheme, host and base path)."""
    if not url:
        return False
    ours, theirs = urlsplit(settings.base_url), urlsplit(url)
    return (
        theirs.scheme == ours.scheme
        and theirs.netloc.lower() == ours.netloc.lower()
        and (theirs.path or "/").startswith(ours.path or "/")
    )


def _param(request: Request, name: str) -> str | None:
    value = request.values.get(name)
    return value.strip() if value else None


def cookie_check_page(request: Request, settings: Settings) -> str:
    """Return pylti1p3's page that tests cookies and offers a new window when they are blocked."""
    params = {k: v for k in _LOGIN_PARAMS if (v := _param(request, k))}
    params[NEW_WINDOW_PARAM] = "1"
    page = CookiesAllowedCheckPage(
        params,
        "https" if settings.is_https else "http",
        "Your browser blocks the cookies leadpath needs inside this course page.",
        "Open leadpath in a new window to continue.",
        "Loading leadpath…",
    )
    return page.get_html()


def start_login(
    request: Request, settings: Settings, platforms: PlatformDirectory, store, cookie_check: bool
):
    """Validate a login initiation and answer with the redirect to the platform's auth URL."""
    iss = _param(request, "iss")
    login_hint = _param(request, "login_hint")
    target = _param(request, "target_link_uri")
    client_id = _param(request, "client_id")
    if not iss:
        raise LaunchError(
            "login_iss_missing",
            "The login request did not say which platform it came from (no 'iss' parameter).",
            "Point the LMS's 'Initiate login URL' at this page; it adds 'iss'.",
        )
    if not login_hint:
        raise LaunchError(
            "login_hint_missing",
            "The login request has no 'login_hint'.",
            "The LMS must send 'login_hint' with every LTI 1.3 login.",
        )
    if not is_our_url(settings, target):
        raise LaunchError(
            "target_link_uri_foreign",
            f"The login asks to open {target or 'nothing'}, which is not a leadpath address.",
            f"Set the tool URL in the LMS to {settings.url('/lti/launch')}.",
        )
    platform = platforms.lookup(iss, client_id) or platforms.lookup(iss, client_id, fresh=True)
    if platform is None:
        command = (
            f"leadpath platform add --issuer {iss} --client-id {client_id or 'CLIENT_ID'} "
            "--auth-url … --token-url … --jwks-url … --deployment-id …"
        )
        raise LaunchError(
            "platform_unknown",
            f"leadpath has no registration for platform {iss}"
            + (f" with client id {client_id}." if client_id else "."),
            f"Register it with `{command}` or use dynamic registration.",
        )
    if platform.pending:
        raise platform_pending(platform.issuer, platform.client_id)
    if not allowed_platform_url(settings, platform.auth_login_url):
        raise LaunchError(
            "platform_url_refused",
            "The platform's authentication URL is not an https address, so leadpath will not "
            "send the browser there.",
            f"Register the platform's https authentication URL with `leadpath platform add "
            f"--issuer {platform.issuer} --client-id {platform.client_id} --auth-url https://…`.",
        )
    storage = platform_storage.storage_target(request)
    if cookie_check and not storage and not request.values.get(NEW_WINDOW_PARAM):
        return make_response(cookie_check_page(request, settings))

    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    store.put(
        PendingLogin(state, nonce, iss, platform.client_id, target, storage),
        settings.launch_state_seconds,
    )
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": settings.url("/lti/launch"),
        "state": state,
        "nonce": nonce,
        "login_hint": login_hint,
    }
    if hint := _param(request, "lti_message_hint"):
        params["lti_message_hint"] = hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    auth_url = platform.auth_login_url + separator + urlencode(params)
    if storage:
        # Platform storage first; the page falls back to this login without it (a cookie).
        response = platform_storage.login_page(
            settings,
            auth_url=auth_url,
            state=state,
            nonce=nonce,
            target=storage,
            login_params={k: v for k in _LOGIN_PARAMS if (v := _param(request, k))},
        )
    else:
        response = redirect(auth_url)
    # A cookie as well: where the browser keeps it, the launch needs nothing more.
    response.set_cookie(
        STATE_COOKIE_PREFIX + state[:16],
        state,
        max_age=settings.launch_state_seconds,
        secure=settings.is_https,
        httponly=True,
        samesite="None" if settings.is_https else "Lax",
        path="/lti/",
    )
    return response
