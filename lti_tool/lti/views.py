"""LTI routes: /lti/login, /lti/launch, /lti/jwks and /.well-known/jwks.json."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request

from lti_tool import events, logs
from lti_tool.db import get_db
from lti_tool.lti import claims as c
from lti_tool.lti import platform_storage
from lti_tool.lti.checks import check_launch
from lti_tool.lti.jwks import PlatformKeyCache
from lti_tool.lti.login import STATE_COOKIE_PREFIX, start_login
from lti_tool.lti.records import record_launch
from lti_tool.lti.registry import PlatformDirectory
from lti_tool.lti.roles import is_staff
from lti_tool.lti.state import get_store
from lti_tool.sessions import client_hash, launch_url, lifetime
from lti_tool.signing_keys import get_keys

bp = Blueprint("lti", __name__)
KEY_CACHE = "leadpath.platform_keys"
LAUNCH_HOOKS = "leadpath.launch_hooks"
PLATFORMS = "leadpath.platforms"


def _settings():
    return current_app.config["LEADPATH"]


def _platforms() -> PlatformDirectory:
    directory = current_app.extensions.get(PLATFORMS)
    if directory is None:
        directory = PlatformDirectory(get_db().engine)
        current_app.extensions[PLATFORMS] = directory
    return directory


def _key_cache() -> PlatformKeyCache:
    cache = current_app.extensions.get(KEY_CACHE)
    if cache is None:
        settings = _settings()
        cache = PlatformKeyCache(settings.http_timeout, settings.jwks_cache_seconds)
        current_app.extensions[KEY_CACHE] = cache
    return cache


def on_launch(app, hook) -> None:
    """Register `hook(session, launch_record, claims)` to run inside each launch's transaction.

    A hook may return an endpoint: the first one returned is where a resource link launch lands
    (for example a question the person must answer first) instead of their usual page.
    """
    app.extensions.setdefault(LAUNCH_HOOKS, []).append(hook)


@bp.route("/lti/login", methods=["GET", "POST"])
def login():
    """Answer an OIDC third-party initiated login with a redirect to the platform."""
    settings = _settings()
    cookie_check = settings.is_https
    return start_login(request, settings, _platforms(), get_store(), cookie_check)


@bp.post("/lti/launch")
def launch():
    """Validate an LTI launch, record it, and send the user to their page."""
    settings = _settings()
    launch = check_launch(
        request, settings=settings, platforms=_platforms(), store=get_store(), keys=_key_cache()
    )
    if not launch.cookie_matched and not platform_storage.proven(request, settings):
        # No cookie came back: the platform's storage must vouch for this browser first.
        return platform_storage.launch_page(
            settings,
            id_token=request.form["id_token"],
            state=launch.login.state,
            nonce=launch.login.nonce,
            target=launch.login.storage_target,
            auth_url=launch.platform.auth_login_url,
        )
    hooks = current_app.extensions.get(LAUNCH_HOOKS, [])
    landings: list[str] = []

    def run_hooks(session, launch_session):
        landings.clear()  # a retried transaction runs the hooks again
        for hook in hooks:
            if landing := hook(session, launch_session, launch.claims):
                landings.append(landing)

    store = get_store()
    token, launch_session = record_launch(
        get_db(),
        launch,
        lifetime(),
        run_hooks,
        claim=lambda session: store.claim(session, launch.login.state),
        client_hash=client_hash(),
    )
    events.launch_accepted.send(current_app._get_current_object(), message_type=launch.message_type)
    logs.event(
        "launch_accepted",
        issuer=launch.platform.issuer,
        deployment_id=launch.claims[c.DEPLOYMENT_ID],
        roles=launch_session.roles,
        message_type=launch.message_type,
    )
    if launch.message_type == c.DEEP_LINKING_REQUEST:
        endpoint = "deep_linking.choose"
    elif launch.message_type == c.SUBMISSION_REVIEW_REQUEST:
        endpoint = "submission_review.show"
    elif landings:
        endpoint = landings[0]
    else:
        endpoint = "pages.course" if is_staff(launch_session.roles) else "pages.home"
    if not launch.cookie_matched:
        return jsonify(location=launch_url(endpoint, token))
    response = redirect(launch_url(endpoint, token), code=303)
    response.delete_cookie(STATE_COOKIE_PREFIX + launch.login.state[:16], path="/lti/")
    return response


@bp.get("/lti/jwks")
@bp.get("/.well-known/jwks.json")
def jwks():
    """Publish the tool's public keys."""
    response = jsonify(get_keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
