"""The programme view reads leadpath's tables for speed; its figures equal the statements'.

A generated cohort (30 learners over four years on three platforms, most with linked accounts)
is installed as leadpath records it: rows in the tool's tables and the statements it emits in
the embedded LRS. A programme covers the trust. For every trainee the view's figures — completed
self-assessments, those signed off, the latest completion — and its progression by year are
worked out again from the statements alone, read through the report source (the xAPI
statements query, one learner at a time), and must be the same.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from lti_tool.programmes import service
from lti_tool.programmes.figures import programme_overview
from lti_tool.reports.source import learner_statements, report_transport
from tests.support import cohort as cohort_mod
from xapi.statements import iris
from xapi.statements import vocabulary as v

ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"


@pytest.fixture(scope="module")
def installed(app):
    made = cohort_mod.generate(30, seed=5)
    cohort_mod.install(made, app)
    return made


def _from_statements(statements: list[dict], base: str, platform: str) -> dict:
    """A trainee's figures as the statements tell them, within the programme's platform."""
    completed, signed_off = {}, set()
    for s in statements:
        context = s.get("context", {})
        courses = [a["id"] for a in context.get("contextActivities", {}).get("grouping", [])]
        if not any(c.startswith(platform) for c in courses):
            continue
        verb = s["verb"]["id"]
        kind = s["object"].get("definition", {}).get("type")
        if verb == v.COMPLETED.iri(base) and kind == ASSESSMENT:
            completed[context["registration"]] = s["timestamp"][:10]
        elif verb == v.VERIFIED.iri(base):
            signed_off.add(context["registration"])
    return {
        "completed": len(completed),
        "validated": len(signed_off & completed.keys()),
        "latest": max(completed.values(), default=None),
        "by_year": {r: (d[:4], r in signed_off) for r, d in completed.items()},
    }


def test_the_programme_views_figures_are_the_statements_figures(app, db, installed):
    base = app.config["LEADPATH"].base_url
    trust = installed.platforms["trust"].issuer
    slug = "trust-" + installed.tag
    with db.transaction() as session:
        service.add(session, slug, "Northfield Foundation and Core Training")
        service.add_scope(session, slug, trust)
    with db.sessions() as session:
        overview = programme_overview(session, service.find(session, slug))
    in_cohort = {i for learner in installed.learners for i in learner.learner_ids.values()}
    trainees = [t for t in overview.trainees if t.learner_id in in_cohort]
    at_trust = [x for x in installed.learners if any(e.platform == "trust" for e in x.episodes)]
    assert len(trainees) == len(overview.trainees) == len(at_trust) > 20
    platform = iris.platform_iri(base, trust)
    transport = report_transport(app)
    years: dict[str, list] = defaultdict(lambda: [0, set(), 0])
    checked = 0
    for trainee in trainees:
        told = _from_statements(
            learner_statements(transport, base, trainee.learner_id), base, platform
        )
        done = [x for x in trainee.visits if x.kind == "self" and x.status == "completed"]
        assert len(done) == told["completed"], trainee.name
        assert sum(1 for x in done if x.validated) == told["validated"], trainee.name
        assert trainee.outstanding == told["completed"] - told["validated"], trainee.name
        latest = trainee.latest.completed_at.date().isoformat() if trainee.latest else None
        assert latest == told["latest"], trainee.name
        for year, validated in told["by_year"].values():
            years[year][0] += 1
            years[year][1].add(trainee.learner_id)
            years[year][2] += validated
        checked += told["completed"]
    assert checked > 30, "the trust's trainees completed self-assessments"
    progression = {
        str(row["year"]): (row["completed"], row["trainees"], row["validated"])
        for row in overview.progression()
    }
    assert progression == {y: (n, len(who), ok) for y, (n, who, ok) in years.items()}
