"""LRS administration: an admin sign-in and the statement browser at /admin/lrs."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin blueprint."""
    from lti_tool.admin import views

    app.register_blueprint(views.bp)
