"""/journey inside a launch: the timeline, the chart with its table, the linked accounts, the
crosswalk, and the portfolio's JSON bundle — for the launch's own learner only."""

from __future__ import annotations

import re

from sqlalchemy import select

from lti_tool.models import PlatformUser
from tests.support import cohort as cohort_mod
from tests.support.assess_helpers import launch_learner
from tests.support.lti_helpers import make_platform


def _launch_as(client, db, unique, learner_id: str) -> str:
    """Launch from a new platform and join that account to the learner's record."""
    platform = make_platform(unique).register(db)
    token = launch_learner(client, platform, f"journey-{unique}")
    with db.transaction() as session:
        user = session.scalar(
            select(PlatformUser).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == f"journey-{unique}"
            )
        )
        user.learner_id = learner_id  # as a link code would
    return token


def test_journey_page_shows_the_cohort_learners_path(app, client, db, unique):
    made = cohort_mod.generate(6, seed=3)
    cohort_mod.install(made, app)
    learner = max(made.learners, key=lambda x: (x.linked, len(x.episodes)))
    key = learner.episodes[0].platform
    token = _launch_as(client, db, unique, learner.learner_ids[key])
    home = client.get(f"/home?ls={token}").get_data(as_text=True)
    assert f"/journey?ls={token}" in home
    page = client.get(f"/journey?ls={token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    expected = cohort_mod.expected_journey(made, learner, key)
    rows = re.findall(r'data-kind="([^"]+)"', html)
    assert rows == [e["kind"] for e in expected]
    for entry in expected:
        assert entry["platform"] in html
    assert 'id="journey-chart"' in html and 'id="journey-stages"' in html
    if any(e["crosswalk"] for e in expected):
        assert "(indicative)" in html
    assert "Your linked accounts" in html and "(this account)" in html
    bundle = client.get(f"/journey/portfolio.json?ls={token}")
    assert bundle.status_code == 200
    data = bundle.get_json()
    assert [e["evidence_type"] for e in data["evidence"]] == [e["kind"] for e in expected]
    held = {s["id"] for s in data["statements"]}
    assert all(set(e["statements"]) <= held for e in data["evidence"])
    assert len(held) == sum(
        1 + len(ep.stages) + (1 + len(ep.adjusted) if ep.adjusted is not None else 0)
        + sum(len(r) for r in ep.raters)
        for ep in learner.episodes
        if learner.linked or ep.platform == key
    )  # fmt: skip


def test_journey_needs_a_launch(client):
    page = client.get("/journey")
    assert page.status_code == 401


def test_portfolio_pdf_opens_and_names_the_learner(app, client, db, unique):
    import io

    from pypdf import PdfReader

    made = cohort_mod.generate(3, seed=21)
    cohort_mod.install(made, app)
    learner = max(made.learners, key=lambda x: len(x.episodes))
    key = learner.episodes[0].platform
    platform = make_platform(unique).register(db)
    token = launch_learner(
        client,
        platform,
        f"pdf-{unique}",
        name="Rosalind Okafor-Reid",
        given_name="Rosalind",
        family_name="Okafor-Reid",
    )
    with db.transaction() as session:
        user = session.scalar(select(PlatformUser).where(PlatformUser.issuer == platform.issuer))
        user.learner_id = learner.learner_ids[key]
    answer = client.get(f"/journey/portfolio.pdf?ls={token}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Rosalind Okafor-Reid" in text
    assert "Self-assessment" in text and made.platforms[key].name in text
    if any(e.adjusted is not None for e in learner.episodes):
        assert "Supervisor sign-off" in text
