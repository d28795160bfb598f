"""Fixtures of the LRS tests: credentials, request headers and statement factories."""

from __future__ import annotations

import base64
import uuid

import pytest

VERBS = "http://adlnet.gov/expapi/verbs/"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.fixture
def engine(app):
    return app.extensions["leadpath.db"].engine


@pytest.fixture
def headers_for(engine):
    """Return headers carrying a new credential with the given scopes."""
    from xapi.lrs import create_credential

    def _make(*scopes: str, version: str = "1.0.3") -> dict:
        key, secret = create_credential(engine, "test", list(scopes or ("all",)))
        return {"Authorization": basic(key, secret), "X-Experience-API-Version": version}

    return _make


@pytest.fixture
def headers(headers_for):
    return headers_for("all")


@pytest.fixture
def make_statement(unique):
    """Return a valid statement about a learner unique to the test."""

    def _make(learner: str | None = None, verb: str = "attempted", **extra) -> dict:
        statement = {
            "actor": {
                "objectType": "Agent",
                "name": "Learner",
                "account": {
                    "homePage": "https://lms.example.ac.uk",
                    "name": learner or f"learner-{unique}",
                },
            },
            "verb": {"id": VERBS + verb, "display": {"en-GB": verb}},
            "object": {
                "objectType": "Activity",
                "id": f"https://leadpath.example/activities/{unique}",
                "definition": {"name": {"en-GB": "Self-assessment"}},
            },
        }
        statement.update(extra)
        return statement

    return _make


@pytest.fixture
def new_id():
    return lambda: str(uuid.uuid4())
