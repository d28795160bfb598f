"""leadpath's web application: `create_app` builds the Flask app that platforms launch.

Sub-packages: `lti` (LTI 1.3 login, launch checks, launch state, platform registry, deep
linking, dynamic registration), `assess` (self-assessment, 360 feedback, supervisor
validation), `grades` (scores sent back to the platform), `identity` (one learner across
platforms), `admin` (the LRS administrators' pages) and `cli` (the `leadpath` command). Beside
them: settings, the database and its models, the tool's signing keys, launch sessions,
`recording` (events turned into queued statements), pages and the demo platform.

May import `framework` and `xapi`; neither of them imports `lti_tool`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool.settings import Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """Return LEADPATH_SECRET_KEY, or this installation's own random key kept under the data dir."""
    if settings.secret_key:
        return settings.secret_key
    from lti_tool.signing_keys import write_private_file

    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, or from `test_config` setting overrides alone."""
    settings = load_settings() if test_config is None else load_settings({}, **test_config)
    app = Flask(__name__)
    app.config["LEADPATH"] = settings
    app.config["SECRET_KEY"] = _secret_key(settings)
    app.config["SESSION_COOKIE_SECURE"] = settings.is_https
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    if settings.proxy_fix:
        n = settings.proxy_fix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    from lti_tool import (
        admin,
        course_views,
        db,
        design_system,
        errors,
        framework_notices,
        framework_pages,
        headers,
        health,
        input_checks,
        logs,
        metrics,
        openapi,
        pages,
        profile_pages,
        recording,
        signing_keys,
        site,
        workers,
    )
    from lti_tool import programmes as programme_pages
    from lti_tool.assess import activity, feedback_views, framework_versions, supervision_views
    from lti_tool.assess import views as assess_views
    from lti_tool.courses import roster as course_rosters
    from lti_tool.identity import views as identity_views
    from lti_tool.identity.lrs_persons import LearnerLinks
    from lti_tool.lti import canvas, deep_linking, dynamic_registration, submission_review
    from lti_tool.lti import state as launch_state
    from lti_tool.lti import views as lti_views
    from lti_tool.reports import views as report_views
    from xapi.lrs import http as lrs_http

    logs.init_app(app)
    db.init_app(app)
    signing_keys.init_app(app)
    launch_state.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    input_checks.init_app(app)
    design_system.init_app(app)
    framework_notices.init_app(app)
    framework_versions.init_app(app)
    course_rosters.init_app(app)
    for blueprint in (
        health.bp,
        site.bp,
        lti_views.bp,
        deep_linking.bp,
        dynamic_registration.bp,
        submission_review.bp,
        canvas.bp,
        pages.bp,
        course_views.bp,
        assess_views.bp,
        feedback_views.bp,
        supervision_views.bp,
        framework_pages.bp,
        profile_pages.bp,
        report_views.bp,
    ):
        app.register_blueprint(blueprint)
    activity.init_app(app)
    programme_pages.init_app(app)
    identity_views.init_app(app)  # before statements: a launch's link is made before its statement
    recording.init_app(app)
    lrs_http.init_app(
        app, app.extensions["leadpath.db"].engine, settings.base_url, persons=LearnerLinks()
    )
    admin.init_app(app)
    openapi.init_app(app)
    if settings.demo:
        from lti_tool import demo

        demo.init_app(app)
    metrics.init_app(app)
    workers.init_app(app)  # last: the background senders start once the app is complete
    return app
