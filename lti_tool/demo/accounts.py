"""The demo's LRS administrator: a sign-in for the statement browser, shown on /demo.

The password is random, made once per data directory and kept there (mode 0600), so the demo
never ships a known password; `make run` prints it too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine

USERNAME = "demo-admin"
PASSWORD_FILE = "demo-admin-password"
_ready: set[str] = set()


@dataclass(frozen=True)
class DemoAdmin:
    """The demo administrator's sign-in."""

    username: str
    password: str


def demo_admin() -> DemoAdmin:
    """Return the demo administrator of the running app, creating the account on first use."""
    settings = current_app.config["LEADPATH"]
    return ensure_demo_admin(Path(settings.data_dir), current_app.extensions["leadpath.db"].engine)


def ensure_demo_admin(data_dir: Path, engine: Engine) -> DemoAdmin:
    """Return the demo administrator of a data directory and database, creating it if needed."""
    from lti_tool.signing_keys import write_private_file
    from xapi.lrs.admins import set_admin

    path = data_dir / PASSWORD_FILE
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(12).encode())
    password = path.read_text().strip()
    key = f"{engine.url}|{password}"
    if key not in _ready:
        set_admin(engine, USERNAME, password)
        _ready.add(key)
    return DemoAdmin(USERNAME, password)
