"""Names and Role Provisioning Services 2.0: a course's members, page after page.

The tool asks the context memberships URL the launch carried (with `role=` to list only the
role it wants, section 2.3.1), sends `Accept: application/vnd.ims.lti-nrps.v2.membershipcontainer
+json` and a bearer token from the platform's token endpoint (scope `contextmembership.readonly`),
then follows each `Link: <…>; rel="next"` header exactly as given until there is none
(section 2.4.2: the URL is opaque to the tool).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from lti_tool.grades.token import TokenClient, TokenError, TokenTarget
from lti_tool.lti.roles import map_roles

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CONTAINER_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MAX_PAGES = 1000  # a platform whose next links never end is stopped here


class RosterUnavailable(Exception):
    """The platform did not give the roster; the message says why in plain words."""


@dataclass(frozen=True)
class Member:
    """One active member of the course as the platform lists them."""

    user_id: str
    roles: tuple[str, ...]  # leadpath's roles (learner, instructor, …)
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None


def with_role(url: str, role: str) -> str:
    """Return the memberships URL asking only for members with `role` (section 2.3.1)."""
    return url + ("&" if "?" in url else "?") + requests.compat.urlencode({"role": role})


def fetch_members(
    http: requests.Session,
    tokens: TokenClient,
    target: TokenTarget,
    url: str,
    timeout: tuple[float, float],
) -> tuple[list[Member], int]:
    """Return the active members at `url` and its next pages, and how many pages were read."""
    try:
        token = tokens.token(target, (NRPS_SCOPE,))
    except TokenError as exc:
        raise RosterUnavailable(f"the platform refused an access token ({exc})") from None
    headers = {"Authorization": f"Bearer {token}", "Accept": CONTAINER_TYPE}
    members: dict[str, Member] = {}
    pages, seen = 0, set()
    next_url: str | None = url
    while next_url and pages < MAX_PAGES and next_url not in seen:
        seen.add(next_url)
        try:
            response = http.get(next_url, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            raise RosterUnavailable(f"the platform did not answer ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise RosterUnavailable(f"the platform answered HTTP {response.status_code}")
        try:
            body = response.json()
            listed = body["members"]
        except (ValueError, KeyError, TypeError):
            raise RosterUnavailable("the platform's answer is not a membership container") from None
        pages += 1
        for raw in listed:
            member = _member(raw)
            if member is not None:
                members[member.user_id] = member
        next_url = response.links.get("next", {}).get("url")
    return list(members.values()), pages


def _member(raw) -> Member | None:
    """Return an active member, or None for an inactive or malformed entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("user_id"), str):
        return None
    if raw.get("status", "Active") != "Active":
        return None
    roles = raw.get("roles") if isinstance(raw.get("roles"), list) else []
    text = {k: raw.get(k) if isinstance(raw.get(k), str) else None for k in _NAMES}
    mapped = tuple(map_roles([r for r in roles if isinstance(r, str)]))
    return Member(raw["user_id"], mapped, **text)


_NAMES = ("name", "given_name", "family_name", "email")
