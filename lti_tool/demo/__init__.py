"""A development LMS inside leadpath: three demo organisations that launch the tool for real.

Off unless LEADPATH_DEMO=true. Each organisation (a university, a foundation school's trust, an
employer) registers itself in the platform registry and launches the tool through the same
/lti/login → authentication response → signed id_token form POST as any LMS, with its own
issuer and client id and the demo's own key pair.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.demo.platform_key import EXTENSION_KEY
from lti_tool.signing_keys import ensure_private_key, load_key_pair


def init_app(app: Flask) -> None:
    """Load (or create) the demo platforms' key pair and mount their routes."""
    from lti_tool.demo import views

    path = app.config["LEADPATH"].keys_dir / "demo-platform.pem"
    ensure_private_key(path)
    app.extensions[EXTENSION_KEY] = load_key_pair(path)
    app.register_blueprint(views.bp)
