"""Liveness and readiness."""

from flask import Blueprint, jsonify

from lti_tool.db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable, 503 otherwise."""
    if get_db().ping():
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unreachable"), 503
