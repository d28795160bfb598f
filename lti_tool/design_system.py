"""The NHS.UK design system in leadpath's pages: its Jinja macros and what the layout shows.

The compiled NHS.UK frontend (CSS, JavaScript module, icons) is vendored under
``static/nhsuk`` by ``config/frontend/vendor.sh``; its Jinja macros come from the
``nhsuk-frontend-jinja`` package at the matching release. The layout names leadpath and the
institution whose platform launched it (the platform registration's name), never the NHS logo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g, request, url_for
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from sqlalchemy import select

NHSUK_FRONTEND_VERSION = "10.6.1"


@dataclass(frozen=True)
class NavItem:
    """One link of the header's menu."""

    label: str
    endpoint: str
    href: str

    @property
    def current(self) -> bool:
        """Return True on the page the link leads to."""
        return request.endpoint == self.endpoint


@dataclass(frozen=True)
class Site:
    """What every page's header and footer need to know."""

    institution: str | None
    home_url: str
    home_label: str
    in_launch: bool
    demo: bool
    nav: list[NavItem] = field(default_factory=list)

    def link(self, endpoint: str, **values) -> str:
        """Return a link that keeps the launch (its session token) when there is one."""
        from lti_tool.sessions import launch_url

        return launch_url(endpoint, **values) if self.in_launch else url_for(endpoint, **values)


def optional_launch():
    """Return the request's launch session when it carries a valid one, else None."""
    from lti_tool.errors import UserFacingError
    from lti_tool.sessions import TOKEN_HEADER, TOKEN_PARAM, current_launch

    if not (request.values.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)):
        return None
    try:
        return current_launch()
    except UserFacingError:
        return None


def institution_name(launch) -> str | None:
    """Return the name of the platform registration a launch came through, if it has one."""
    from lti_tool.db import get_session
    from lti_tool.lti import claims as c
    from lti_tool.models import Platform

    audience = launch.claims.get("aud")
    client_id = audience if isinstance(audience, str) else (audience or [None])[0]
    name = get_session().scalar(
        select(Platform.name).where(
            Platform.issuer == launch.platform_user.issuer, Platform.client_id == client_id
        )
    )
    if name:
        return name
    platform = launch.claims.get(c.TOOL_PLATFORM)
    sent = platform.get("name") if isinstance(platform, dict) else None
    return sent if isinstance(sent, str) and sent.strip() else None


def _site() -> Site:
    """Return the header and footer facts of the current request (cached on `g`)."""
    if "leadpath_site" in g:
        return g.leadpath_site
    from lti_tool.lti.roles import MENTOR, is_staff
    from lti_tool.sessions import launch_url

    launch = g.get("launch_session")
    demo = bool(current_app.config["LEADPATH"].demo)
    if launch is None:
        nav = [NavItem("Home", "site.home", url_for("site.home"))]
        if demo:
            nav.append(NavItem("Demo", "demo.index", url_for("demo.index")))
        nav += [
            NavItem("Documentation", "site.docs", url_for("site.docs")),
            NavItem("Learning records", "admin.browse", url_for("admin.browse")),
        ]
        site = Site(None, url_for("site.home"), "leadpath home", False, demo, nav)
    else:
        staff = is_staff(launch.roles)
        if staff:
            nav = [NavItem("Course overview", "pages.course", launch_url("pages.course"))]
        else:
            nav = [NavItem("Your home", "pages.home", launch_url("pages.home"))]
        if staff or MENTOR in launch.roles:
            nav.append(
                NavItem("Supervisor validation", "validation.index", launch_url("validation.index"))
            )
        if not staff:
            nav.append(NavItem("Your record", "identity.page", launch_url("identity.page")))
        site = Site(
            institution_name(launch),
            nav[0].href,
            nav[0].label,
            True,
            demo,
            nav,
        )
    g.leadpath_site = site
    return site


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return "1 element" or "3 elements": the count and the word that agrees with it."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def init_app(app: Flask) -> None:
    """Load templates from leadpath first, then the NHS.UK macros; give pages the site facts."""
    env = app.jinja_env
    env.loader = ChoiceLoader([env.loader, PackageLoader("nhsuk_frontend_jinja")])
    # The NHS.UK macros read optional parameters such as params.hint.text without checks.
    env.undefined = ChainableUndefined
    env.globals["nhsuk_version"] = NHSUK_FRONTEND_VERSION
    env.filters["plural"] = plural
    app.context_processor(lambda: {"site": _site()})
