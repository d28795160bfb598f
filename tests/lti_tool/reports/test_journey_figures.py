"""The journey's figures from a generated cohort: read through the report source, they match
what the cohort's own data says, from the embedded LRS in process and over HTTP alike."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.reports.journey import build_journey
from lti_tool.reports.source import StoreTransport, learner_statements
from tests.support import cohort as cohort_mod
from tests.support.loopback import serve_wsgi
from xapi.lrs import create_credential
from xapi.reader import EmbeddedTransport, HttpTransport

KEYS = ("kind", "registration", "date", "platform", "phase", "framework", "domains",
        "expected", "raters", "adjusted", "crosswalk")  # fmt: skip


def _figures(journey) -> list[dict]:
    return [{k: e[k] for k in KEYS} for e in journey.figures()["entries"]]


def _journey_of(transport, app, learner_id, names):
    base = app.config["LEADPATH"].base_url
    return build_journey(learner_statements(transport, base, learner_id), base, learner_id, names)


@pytest.fixture(scope="module")
def installed(app):
    made = cohort_mod.generate(40, seed=7)
    cohort_mod.install(made, app)
    return made


def test_hand_checked_learner(app, installed):
    """A learner from medical school to CPD: every entry, in order, with its figures."""
    learner = next(x for x in installed.learners if x.linked and len(x.episodes) >= 3)
    names = {p.issuer: p.name for p in installed.platforms.values()}
    key = learner.episodes[0].platform
    transport = EmbeddedTransport(app.extensions["leadpath.db"].engine, "http://localhost")
    got = _figures(_journey_of(transport, app, learner.learner_ids[key], names))
    assert got == cohort_mod.expected_journey(installed, learner, key)
    kinds = [e["kind"] for e in got]
    assert kinds[0] == "self-assessment"
    assert {e["platform"] for e in got} == {installed.platforms[k].name for k in learner.accounts}


def test_every_learner_same_from_embedded_and_http(app, installed):
    """The same figures from the store's query code (the default), the embedded LRS's HTTP
    layer in process, and the LRS over HTTP."""
    engine = app.extensions["leadpath.db"].engine
    key, secret = create_credential(engine, "report reader", ["all/read"])
    names = {p.issuer: p.name for p in installed.platforms.values()}
    store, embedded = StoreTransport(engine), EmbeddedTransport(engine, "http://localhost")
    with serve_wsgi(app) as url:
        http = HttpTransport(url + "/xapi", key, secret)
        for learner in installed.learners:
            for platform, learner_id in learner.learner_ids.items():
                inside = _figures(_journey_of(store, app, learner_id, names))
                assert inside == cohort_mod.expected_journey(installed, learner, platform)
                assert _figures(_journey_of(http, app, learner_id, names)) == inside
                assert _figures(_journey_of(embedded, app, learner_id, names)) == inside
        http.close()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), size=st.integers(1, 4))
def test_figures_property(app, seed, size):
    """For any small generated cohort the journey gives the cohort's own figures."""
    made = cohort_mod.generate(size, seed=seed)
    cohort_mod.install(made, app)
    names = {p.issuer: p.name for p in made.platforms.values()}
    transport = StoreTransport(app.extensions["leadpath.db"].engine)
    for learner in made.learners:
        for platform, learner_id in learner.learner_ids.items():
            got = _figures(_journey_of(transport, app, learner_id, names))
            assert got == cohort_mod.expected_journey(made, learner, platform)
