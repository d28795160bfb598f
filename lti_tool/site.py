"""Public pages: what leadpath is (/), how to connect it (/docs), its accessibility statement."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from lti_tool.design_system import optional_launch

bp = Blueprint("site", __name__)


def _settings():
    return current_app.config["LEADPATH"]


@bp.get("/")
def home():
    """Say what leadpath is and lead on: the demo, the LRS sign-in, the documentation."""
    return render_template("site/home.html", demo="demo.index" in current_app.view_functions)


@bp.get("/docs")
def docs():
    """Show the addresses a learning platform needs and where each kind of user goes."""
    optional_launch()
    settings = _settings()
    return render_template(
        "site/docs.html",
        urls={
            "launch": settings.url("/lti/launch"),
            "login": settings.url("/lti/login"),
            "jwks": settings.url("/lti/jwks"),
            "register": settings.url("/lti/register"),
            "xapi": settings.url("/xapi/"),
            "profile": settings.url("/xapi/profile"),
        },
    )


@bp.get("/accessibility")
def accessibility():
    """Publish the accessibility statement linked from every page's footer."""
    optional_launch()
    return render_template("site/accessibility.html")
