"""Sample launch contexts and one statement of every kind, for the statement tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from xapi import statements as st

BASE = "https://leadpath.example.ac.uk"
FRAMEWORK = f"{BASE}/frameworks/lf-2011"
DOMAIN = f"{FRAMEWORK}/domains/working-with-others"
ELEMENT = f"{FRAMEWORK}/elements/working-with-others/developing-networks"
MOMENT = datetime(2026, 11, 26, 14, 3, 1, 123456, tzinfo=UTC)


def make_context(**changes) -> st.LaunchContext:
    values = dict(
        base_url=BASE,
        learner_id="0b6f1d3e-4c1a-4d8e-9a51-3c2b7e1f0a11",
        issuer="https://moodle.example.ac.uk",
        deployment_id="deployment-1",
        resource_link_id="rl/42 a",
        resource_link_title="Leadership self-assessment",
        context_id="course 7",
        context_title="Foundation Year 2",
        platform_product="Moodle",
        career_phase="postgraduate",
        framework_iri=FRAMEWORK,
        framework_version="2011.1",
        framework_title="NHS Leadership Framework (2011)",
        learner_name="Ada Lovelace",
    )
    values.update(changes)
    return st.LaunchContext(**values)


ATTEMPT = "5a1c9e0b-7d4f-4b2a-8e6c-1f3d5b7a9c21"
SUPERVISOR = "7e2d4c6b-1a3f-4e5d-9b8c-2d4f6a8b0c13"
_ELEMENT = dict(
    element_iri=ELEMENT,
    element_title="Developing networks",
    domain_iri=DOMAIN,
    domain_title="Working with Others",
)


def build_all(ctx: st.LaunchContext) -> dict[str, dict]:
    """One statement of every kind, keyed like the profile's templates."""
    attempt = st.AttemptEvent(attempt_id=ATTEMPT)
    competency = st.CompetencyEvent(
        attempt_id=ATTEMPT, stage=2, expected_stage=2, evidence=(str(uuid.uuid4()),), **_ELEMENT
    )
    link = st.IdentityLink(
        linked_issuer="https://canvas.example.edu",
        linked_subject="user-981",
        linked_platform_name="Canvas",
    )
    events = {
        "launched": (st.build_launched, st.Launch(attempt_id=ATTEMPT)),
        "initialized": (st.build_initialized, attempt),
        "answered": (
            st.build_answered,
            st.Answered(attempt_id=ATTEMPT, ratings={"dn-1": 3, "dn-2": 2}, stage=2, **_ELEMENT),
        ),
        "suspended": (st.build_suspended, attempt),
        "resumed": (st.build_resumed, attempt),
        "completed": (
            st.build_completed,
            st.Completed(
                attempt_id=ATTEMPT,
                score_raw=2.5,
                score_max=4,
                met_expected_stage=True,
                duration=timedelta(minutes=12, seconds=3.5),
                stage=2,
                expected_stage=2,
            ),
        ),
        "validated": (
            st.build_validated,
            st.Validated(
                attempt_id=ATTEMPT,
                supervisor_id=SUPERVISOR,
                agreed=True,
                stage=2,
                supervisor_name="Dr Grace Hopper",
            ),
        ),
        "rated": (
            st.build_rated,
            st.Rated(
                attempt_id=ATTEMPT,
                ratings={"dn-1": 4},
                stage=3,
                invite_id="5e1c0a9d2b7f4e38a6c1d0f9b2e4a7c3",
                **_ELEMENT,
            ),
        ),
        "competency-assessed": (st.build_competency_assessed, competency),
        "competency-asserted": (st.build_competency_asserted, competency),
        "identity-linked": (st.build_identity_linked, link),
        "identity-unlinked": (st.build_identity_unlinked, link),
        "consent-given": (st.build_consent_given, "programme-history"),
        "consent-withdrawn": (st.build_consent_withdrawn, "programme-history"),
    }
    return {key: build(ctx, event, timestamp=MOMENT) for key, (build, event) in events.items()}
