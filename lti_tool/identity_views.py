"""Linking a learner's platform identities: the /identity page."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("identity", __name__)


def init_app(app: Flask) -> None:
    """Serve the identity page."""
    app.register_blueprint(bp)
