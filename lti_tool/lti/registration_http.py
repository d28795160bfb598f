"""The HTTP side of dynamic registration: guarded fetches and summaries of platforms' answers.

Every fetch goes through `lti_tool.outbound` (public addresses only, checked when connecting,
unless LEADPATH_REGISTRATION_PRIVATE_ADDRESSES), follows redirects only on the same origin and
only for GET, reads at most 1 MB, and a platform's error answer is summarised (status, size,
type, an OAuth error code), never shown: it could be any internal service's page.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import requests
from flask import current_app

from lti_tool import outbound
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.platform_urls import same_origin

_MAX_BODY = 1_000_000
_MAX_REDIRECTS = 3
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MEDIA_TYPE = re.compile(r"^[a-z]{1,20}/[a-z0-9.+-]{1,40}$")
RETRY_HINT = (
    "Check the LMS is reachable from leadpath's server, then start the registration again "
    "from the LMS (the registration token is single-use)."
)


class RegistrationError(LaunchError):
    """A dynamic registration that could not be completed, with what the admin should do."""

    title = "leadpath could not be registered with this platform"


def call(
    method: str, url: str, what: str, code: str, token: str | None, body: dict | None = None
) -> tuple[int, bytes, str]:
    """Send one request; return status, (size-limited) body and content type.

    Redirects are followed only on the same origin, and only for GET.
    """
    settings = current_app.config["LEADPATH"]
    timeout = settings.http_timeout
    headers = {"Accept": "application/json", "User-Agent": "leadpath"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    options = {"headers": headers, "json": body, "timeout": (timeout, timeout)}
    try:
        with outbound.guarded_session(settings.registration_private_addresses) as http:
            for _ in range(_MAX_REDIRECTS + 1):
                with http.request(method, url, allow_redirects=False, stream=True, **options) as r:
                    target = urljoin(url, r.headers.get("Location", ""))
                    if r.is_redirect and method == "GET" and same_origin(target, url):
                        url = target
                        continue
                    return (
                        r.status_code,
                        _read(r, what, code, url),
                        r.headers.get("Content-Type", ""),
                    )
    except requests.Timeout:
        detail = f"No answer came from {what} at {url} within {timeout:g} seconds."
        raise RegistrationError(f"{code}_timeout", detail, RETRY_HINT) from None
    except requests.RequestException as exc:
        if outbound.refused(exc):
            raise RegistrationError(
                f"{code}_address_refused",
                f"leadpath does not connect to {what} at {url}: its host name does not lead to "
                "a public internet address.",
                "Register an LMS that is reachable on the public internet over https, or "
                "register it by hand with `leadpath platform add`.",
                status=403,
            ) from None
        detail = f"leadpath could not reach {what} at {url} ({type(exc).__name__})."
        raise RegistrationError(f"{code}_unreachable", detail, RETRY_HINT) from None
    raise RegistrationError(
        f"{code}_invalid",
        f"{what.capitalize()} at {url} redirected more than {_MAX_REDIRECTS} times.",
        RETRY_HINT,
    )


def _read(response, what: str, code: str, url: str) -> bytes:
    content = b""
    for chunk in response.iter_content(65536):
        content += chunk
        if len(content) > _MAX_BODY:
            raise RegistrationError(
                f"{code}_invalid", f"leadpath got more than 1 MB from {what} at {url}.", RETRY_HINT
            )
    return content


def json_object(content: bytes) -> dict | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def summary(status: int, content: bytes, content_type: str) -> str:
    """Describe a platform's answer without repeating it: status, size, an OAuth error code."""
    parts = [f"HTTP {status}", f"{len(content):,} bytes".replace(",", " ")]
    media_type = content_type.split(";", 1)[0].strip()
    if _MEDIA_TYPE.match(media_type):
        parts.append(media_type)
    error = (json_object(content) or {}).get("error")
    if isinstance(error, str) and _ERROR_CODE.match(error):
        parts.append(f"error code '{error}'")
    return ", ".join(parts)
