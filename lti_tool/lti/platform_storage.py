"""LTI Platform Storage: a login's state and nonce kept in the platform's frame, not a cookie.

1EdTech's "LTI Client Side postMessages" and "LTI Platform Storage" let a tool in a frame whose
browser blocks third-party cookies keep data with the platform instead. A login that carries
`lti_storage_target` answers with a page (`lti/storage_login.html`) whose script
(`static/lti-storage.js`, no inline script) asks the platform `lti.capabilities`, stores
`state_<state>` and `nonce_<nonce>` with `lti.put_data` in the named frame, posting only to the
origin of the platform's OIDC authentication URL, and then goes on to that URL. When the
platform does not answer, the page falls back to the cookie login (and its new window).

At launch, a login whose state cookie did not come back gets a page
(`lti/storage_launch.html`) whose script reads both values back with `lti.get_data`, accepting
answers from that origin only, and compares them with the state and nonce of this login. Only
then does it send the launch again with `fetch`, carrying the header `PROOF_HEADER`. A page of
another site cannot send that header (it would need a CORS preflight leadpath never grants), and
the request must come from leadpath's own origin, so a launch without a cookie is accepted only
after leadpath's own script found its state and nonce in this browser's platform storage. The
server still checks everything else, and uses the login up, exactly as for any launch.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from flask import Request, make_response, render_template

from lti_tool.lti.errors import LaunchError
from lti_tool.settings import Settings

PARAM = "lti_storage_target"
PROOF_HEADER = "X-Leadpath-Platform-Storage"
PROOF_VALUE = "confirmed"
# A frame name (HTML allows any string; platforms use names such as post_message_forwarding).
_FRAME_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def storage_target(request: Request) -> str | None:
    """Return the frame the platform offers for storage, or None (then cookies are used)."""
    value = (request.values.get(PARAM) or "").strip()
    return value if _FRAME_NAME.match(value) else None


def origin_of(url: str) -> str:
    """Return the origin (scheme://host[:port]) of a URL, as postMessage compares them."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def login_page(
    settings: Settings, *, auth_url: str, state: str, nonce: str, target: str, login_params: dict
):
    """Return the login page that stores state and nonce with the platform, then goes on.

    Its fallback is the same login without platform storage: a cookie, or a new window.
    """
    page = render_template(
        "lti/storage_login.html",
        auth_url=auth_url,
        platform_origin=origin_of(auth_url),
        target=target,
        state=state,
        nonce=nonce,
        fallback_url=settings.url("/lti/login") + "?" + urlencode(login_params),
    )
    return _no_store(make_response(page))


def launch_page(
    settings: Settings, *, id_token: str, state: str, nonce: str, target: str, auth_url: str
):
    """Return the launch page that checks state and nonce with the platform, then launches."""
    page = render_template(
        "lti/storage_launch.html",
        launch_url=settings.url("/lti/launch"),
        id_token=id_token,
        state=state,
        nonce=nonce,
        target=target,
        platform_origin=origin_of(auth_url),
    )
    return _no_store(make_response(page))


def proven(request: Request, settings: Settings) -> bool:
    """Return True when leadpath's own script vouches that platform storage held this login.

    Raises LaunchError when the proof header comes from another origin (never from our page).
    """
    if request.headers.get(PROOF_HEADER) != PROOF_VALUE:
        return False
    sent_from = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "same-origin")
    if (
        sent_from is None
        or origin_of(sent_from) != origin_of(settings.base_url)
        or (fetch_site != "same-origin")
    ):
        raise LaunchError(
            "platform_storage_origin",
            "This launch claims to be confirmed by the platform's storage, but it was not sent "
            "by leadpath's own page.",
            "Start the activity again from the course page.",
            status=403,
        )
    return True
