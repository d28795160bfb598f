"""Build leadpath's xAPI statements (tincan's model, serialised to plain dicts).

Holds a builder per kind (launch, attempt life cycle and answers, validation, 360 ratings,
competencies, linked identities, consent, re-issue after a link), their IRIs and vocabulary.
May import `framework`; nothing of `lti_tool` or the rest of `xapi`.
"""

from xapi.statements.attempt import (
    build_answered,
    build_completed,
    build_initialized,
    build_launched,
    build_resumed,
    build_suspended,
)
from xapi.statements.consent import build_consent_given, build_consent_withdrawn
from xapi.statements.model import (
    Answered,
    AttemptEvent,
    CompetencyEvent,
    Completed,
    FeedbackSummary,
    IdentityLink,
    Launch,
    LaunchContext,
    Rated,
    Validated,
)
from xapi.statements.review import (
    build_competency_asserted,
    build_competency_assessed,
    build_feedback_summary,
    build_identity_linked,
    build_identity_unlinked,
    build_rated,
    build_validated,
)

__all__ = [
    "Answered",
    "AttemptEvent",
    "Completed",
    "CompetencyEvent",
    "FeedbackSummary",
    "IdentityLink",
    "Launch",
    "LaunchContext",
    "Rated",
    "Validated",
    "build_answered",
    "build_competency_asserted",
    "build_competency_assessed",
    "build_completed",
    "build_consent_given",
    "build_consent_withdrawn",
    "build_feedback_summary",
    "build_identity_linked",
    "build_identity_unlinked",
    "build_initialized",
    "build_launched",
    "build_rated",
    "build_resumed",
    "build_suspended",
    "build_validated",
]
