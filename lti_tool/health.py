"""Liveness and readiness, for load balancers and orchestrators.

- `/healthz/live`: the process answers requests (touches nothing else).
- `/healthz/ready`: it can serve them — the database answers and its schema has every
  migration of this release (`leadpath db upgrade` has run). A database migrated by a newer
  release still counts as ready, so a rolling upgrade keeps the older instances serving.
- `/healthz`: the database answers (as documented before the split).
"""

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import schema
from lti_tool.db import get_db

bp = Blueprint("health", __name__)


def _no_store(response, status: int = 200):
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable, 503 otherwise."""
    if get_db().ping():
        return _no_store(jsonify(status="ok", database="ok"))
    return _no_store(jsonify(status="unavailable", database="unreachable"), 503)


@bp.get("/healthz/live")
def live():
    """Answer 200 while the process serves requests."""
    return _no_store(jsonify(status="ok"))


@bp.get("/healthz/ready")
def ready():
    """Answer 200 when the database answers and is migrated to this release, 503 otherwise."""
    try:
        with get_db().engine.connect() as connection:
            state = schema.schema_state(connection)
    except SQLAlchemyError:
        return _no_store(jsonify(status="unavailable", database="unreachable"), 503)
    if state == schema.BEHIND:
        return _no_store(
            jsonify(
                status="unavailable",
                database="ok",
                schema=state,
                detail="The database lacks migrations of this release: run `leadpath db upgrade`.",
            ),
            503,
        )
    return _no_store(jsonify(status="ok", database="ok", schema=state))
