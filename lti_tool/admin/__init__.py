"""LRS administration: an administrator sign-in and the statement browser at /admin/lrs.

May import `xapi.lrs` (the store it browses and exports), `xapi.outbox` (delivery alerts) and
`lti_tool`'s own modules.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin blueprint."""
    from lti_tool.admin import auth, views  # noqa: F401 - views attach their routes

    app.register_blueprint(auth.bp)
