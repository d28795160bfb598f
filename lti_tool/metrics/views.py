"""GET /metrics: the scrape, for a caller with the bearer token (LEADPATH_METRICS_TOKEN)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from lti_tool.db import get_db
from lti_tool.metrics import process
from lti_tool.metrics.queues import QueueCollector

bp = Blueprint("metrics", __name__)


def _authorised(expected: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    given = token.strip().encode()
    # compare_digest takes as long whatever the first differing byte (not the length).
    return scheme.lower() == "bearer" and hmac.compare_digest(given, expected.encode())


def _registry() -> CollectorRegistry:
    if process.multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = process.local_registry()
    registry.register(QueueCollector(get_db().engine))
    return registry


@bp.get("/metrics")
def scrape():
    """Answer the Prometheus scrape, or 401 without the right bearer token."""
    if not _authorised(current_app.config["LEADPATH"].metrics_token):
        return Response(
            "A bearer token is needed: send 'Authorization: Bearer <LEADPATH_METRICS_TOKEN>'.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="leadpath metrics"', "Cache-Control": "no-store"},
            mimetype="text/plain",
        )
    process.metrics()  # this worker's own files exist even before it counted anything
    # The format the scraper asks for (Prometheus text 0.0.4 by default, or OpenMetrics).
    encode, content_type = choose_encoder(request.headers.get("Accept"))
    body = encode(_registry())
    return Response(body, 200, {"Cache-Control": "no-store"}, content_type=content_type)
