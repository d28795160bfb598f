"""LRS administration: an administrator sign-in and the statement browser at /admin/lrs.

May import `xapi.lrs` (the store it browses and exports), `xapi.outbox` (delivery alerts) and
`lti_tool`'s own modules.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin blueprint and set the rules of its cookie.

    The Flask session cookie serves only the admin pages (launches inside an LMS iframe carry
    their own token and state cookie), so it is `SameSite=Lax`, `HttpOnly`, and under https
    `Secure` with the `__Host-` prefix (no Domain, path /).
    """
    from lti_tool.admin import auth, views  # noqa: F401 - views attach their routes

    https = app.config["LEADPATH"].is_https
    app.config["SESSION_COOKIE_NAME"] = "__Host-leadpath-admin" if https else "leadpath-admin"
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_PATH"] = "/"
    app.register_blueprint(auth.bp)
