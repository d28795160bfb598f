"""The benchmark's peer: a bare Flask + pylti1p3 tool with only /login and /launch.

It runs on whichever distribution provides `pylti1p3` in the interpreter (pylti1p3 2.0.0 or
pylti1p3next 2.0.2; bench/launch.py prints which).

Configured the way pylti1p3's own examples are (ToolConfDict, the default cookie-session
launch storage, cookie check off) plus what DESIGN.md calls "its JWKS cached": with a
``key_set_url`` the platform JWKS is fetched once per worker over loopback and then served
from an in-process cache via ``set_public_key_caching``; with ``key_set`` it is inline.

Serve with ``gunicorn 'app:create_app({...})'`` from this directory (see bench/launch.py).
"""

from __future__ import annotations

import threading
import time

import requests
from flask import Flask, redirect, request
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfDict


class DictCache:
    """The get/set cache object pylti1p3's FlaskCacheDataStorage expects, in process memory."""

    def __init__(self):
        self._data: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key):
        """Return the unexpired value for key, or None."""
        with self._lock:
            found = self._data.get(key)
        return found[1] if found and found[0] > time.monotonic() else None

    def set(self, key, value, exp=None):
        """Store value for exp seconds (forever when exp is None)."""
        expires = time.monotonic() + exp if exp else float("inf")
        with self._lock:
            self._data[key] = (expires, value)


def create_app(config: dict) -> Flask:
    """Build the peer from issuer, client_id, deployment_id, auth_login_url and key_set(_url)."""
    registration = {
        "default": True,
        "client_id": config["client_id"],
        "auth_login_url": config["auth_login_url"],
        "auth_token_url": config["auth_login_url"],
        "key_set_url": config.get("key_set_url"),
        "key_set": config.get("key_set"),
        "deployment_ids": [config["deployment_id"]],
    }
    tool_conf = ToolConfDict({config["issuer"]: [registration]})
    key_cache = FlaskCacheDataStorage(DictCache())
    http = requests.Session()
    http.trust_env = False  # loopback only, never through a proxy

    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.get("secret_key", "bench-peer")

    @app.route("/login", methods=["GET", "POST"])
    def login():
        oidc = FlaskOIDCLogin(FlaskRequest(), tool_conf)
        return oidc.redirect(request.values["target_link_uri"])

    @app.post("/launch")
    def launch():
        message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf, requests_session=http)
        message_launch.set_public_key_caching(key_cache, cache_lifetime=7200)
        message_launch.validate()
        return redirect("/landing?launch_id=" + message_launch.get_launch_id(), code=303)

    return app
