"""The verbs, activity types and extensions that leadpath statements use.

Reused concepts carry their absolute IRI (ADL vocabulary, TLA Master Object Model);
concepts we coin carry a path under the profile IRI ``{base}/xapi/profile/``.
The profile (``xapi.profile``) publishes every entry here as a concept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY_TYPES = "http://adlnet.gov/expapi/activities/"
TLA_VERBS = "https://w3id.org/xapi/tla/verbs/"
TLA_ACTIVITY_TYPES = "https://w3id.org/xapi/tla/activity-types/"


@dataclass(frozen=True)
class Concept:
    """One profile concept: a verb, an activity type or an extension."""

    kind: str  # "Verb", "ActivityType", "ContextExtension" or "ResultExtension"
    ref: str  # an absolute IRI (reused) or a path under the profile IRI (coined)
    label: str
    definition: str
    schema: dict | None = field(default=None, compare=False)

    @property
    def coined(self) -> bool:
        """Whether leadpath defines this concept (rather than reusing it)."""
        return "://" not in self.ref

    def iri(self, base_url: str) -> str:
        """The concept's IRI for a deployment at ``base_url``."""
        if not self.coined:
            return self.ref
        return f"{base_url.rstrip('/')}/xapi/profile/{self.ref}"

    def display(self) -> dict[str, str]:
        """The language map for a verb's ``display``."""
        return {"en": self.label, "en-GB": self.label}

    def inline_schema(self) -> str | None:
        """The extension's JSON Schema as a string, as profiles carry it."""
        return None if self.schema is None else json.dumps(self.schema, sort_keys=True)


def _verb(ref: str, label: str, definition: str) -> Concept:
    return Concept("Verb", ref, label, definition)


def _type(ref: str, label: str, definition: str) -> Concept:
    return Concept("ActivityType", ref, label, definition)


def _ctx(ref: str, label: str, definition: str, schema: dict) -> Concept:
    return Concept("ContextExtension", f"extensions/{ref}", label, definition, schema)


def _res(ref: str, label: str, definition: str, schema: dict) -> Concept:
    return Concept("ResultExtension", f"extensions/{ref}", label, definition, schema)


_STRING = {"type": "string", "minLength": 1}
_STAGE = {"type": "integer", "minimum": 0}
_AGENT = {
    "type": "object",
    "required": ["objectType", "account"],
    "properties": {
        "objectType": {"const": "Agent"},
        "account": {
            "type": "object",
            "required": ["homePage", "name"],
            "properties": {"homePage": _STRING, "name": _STRING},
        },
    },
}
RATER_GROUPS = ("line-manager", "peer", "direct-report", "other")

# Verbs
LAUNCHED = _verb(
    ADL_VERBS + "launched", "launched", "The actor opened the activity from a platform."
)
INITIALIZED = _verb(
    ADL_VERBS + "initialized", "initialized", "The actor started an attempt at the activity."
)
ANSWERED = _verb(ADL_VERBS + "answered", "answered", "The actor replied to a question.")
COMPLETED = _verb(ADL_VERBS + "completed", "completed", "The actor finished the activity.")
SUSPENDED = _verb(
    ADL_VERBS + "suspended", "suspended", "The actor paused an attempt, meaning to come back."
)
RESUMED = _verb(ADL_VERBS + "resumed", "resumed", "The actor took up a suspended attempt again.")
VERIFIED = _verb(
    TLA_VERBS + "verified",
    "verified",
    "An authoritative source (here a supervisor) checked evidence of learning from a "
    "non-authoritative source (here a learner's self-assessment) and judged it reliable, or not.",
)
ASSESSED = _verb(
    TLA_VERBS + "assessed",
    "assessed",
    "The actor completed an assessment that changes their recorded state in a competency.",
)
ASSERTED = _verb(
    TLA_VERBS + "asserted",
    "asserted",
    "The actor has given enough evidence to update their measure in a competency.",
)
RATED = _verb(
    "verbs/rated",
    "rated",
    "A 360 rater (an anonymised actor) rated the learner named by the attempt's registration "
    "on the indicators of one framework element.",
)
FEEDBACK_SUMMARY = _verb(
    "verbs/received-feedback-summary",
    "received feedback summary",
    "The learner received a released step of a 360 rater group's figures on one framework "
    "element: the group's mean stage over at least the report's threshold of raters.",
)
LINKED = _verb(
    "verbs/linked-identity",
    "linked identity",
    "The learner linked an identity from another LTI platform to their leadpath record.",
)
UNLINKED = _verb(
    "verbs/unlinked-identity",
    "unlinked identity",
    "The learner removed a linked identity from another LTI platform from their record.",
)
CONSENTED = _verb(
    "verbs/consented",
    "consented",
    "The learner agreed to what the object describes, such as programmes they train in seeing "
    "their linked history.",
)
WITHDREW_CONSENT = _verb(
    "verbs/withdrew-consent",
    "withdrew consent",
    "The learner withdrew an agreement they had given earlier.",
)
VOIDED = _verb(
    ADL_VERBS + "voided", "voided", "The actor withdrew a statement, which LRSs then leave out."
)

# Activity types
RESOURCE_LINK = _type(
    ADL_ACTIVITY_TYPES + "link", "link", "An LTI resource link: a placement of the tool."
)
COURSE = _type(ADL_ACTIVITY_TYPES + "course", "course", "An LTI context, usually a course.")
PROFILE = _type(ADL_ACTIVITY_TYPES + "profile", "profile", "An xAPI profile.")
ASSESSMENT = _type(ADL_ACTIVITY_TYPES + "assessment", "assessment", "A leadership assessment.")
QUESTION = _type(
    ADL_ACTIVITY_TYPES + "question", "question", "The rating item for one framework element."
)
COMPETENCY = _type(
    TLA_ACTIVITY_TYPES + "competency", "competency", "A framework element, as a competency."
)
FRAMEWORK = _type(
    "activity-types/competency-framework",
    "competency framework",
    "A leadership competency framework, such as the NHS Leadership Framework (2011).",
)
DOMAIN = _type(
    "activity-types/framework-domain",
    "framework domain",
    "A domain of a competency framework: a group of elements.",
)
LTI_PLATFORM = _type(
    "activity-types/lti-platform", "LTI platform", "A learning platform, known by its LTI issuer."
)
CONSENT = _type(
    "activity-types/consent",
    "consent",
    "Something leadpath asks a learner to agree to, such as letting the training programmes "
    "they belong to see records made elsewhere (their linked history).",
)

# Context extensions
LTI_ISSUER = _ctx("lti-issuer", "LTI issuer", "The launching platform's issuer (iss).", _STRING)
LTI_DEPLOYMENT_ID = _ctx(
    "lti-deployment-id", "LTI deployment id", "The LTI deployment_id of the launch.", _STRING
)
LTI_CONTEXT_ID = _ctx(
    "lti-context-id", "LTI context id", "The LTI context (course) id of the launch.", _STRING
)
CAREER_PHASE = _ctx(
    "career-phase", "career phase", "The learner's career phase at the time.", _STRING
)
FRAMEWORK_VERSION = _ctx(
    "framework-version", "framework version", "The version of the framework used.", _STRING
)
LEARNER = _ctx(
    "learner",
    "learner",
    "The learner the statement is about, as a tool-scoped account, when the actor is someone "
    "else (a supervisor or a rater).",
    _AGENT,
)
RATER_GROUP = _ctx(
    "rater-group",
    "rater group",
    "The 360 rater group a feedback summary pools. leadpath sends it only on `received feedback "
    "summary`, never on one rater's `rated`: a group with fewer raters than the report's "
    "threshold could be recovered from it.",
    {"enum": list(RATER_GROUPS)},
)
EVIDENCE = _ctx(
    "evidence",
    "evidence",
    "Ids of the statements that led to this statement.",
    {"type": "array", "items": {"type": "string", "format": "uuid"}},
)
LINKED_ISSUER = _ctx(
    "linked-lti-issuer", "linked LTI issuer", "The issuer of the linked platform.", _STRING
)
LINKED_SUBJECT_SHA256 = _ctx(
    "linked-subject-sha256",
    "linked subject (SHA-256)",
    "SHA-256 (hex) of the linked issuer, a newline and the platform's user id: a join key "
    "that does not carry the platform's user id in clear.",
    {"type": "string", "pattern": "^[0-9a-f]{64}$"},
)
FORMER_ACCOUNT = _ctx(
    "former-account",
    "former account",
    "The tool-scoped account of a learner record merged into the actor's by this link; "
    "statements made before the link name it as actor.",
    _AGENT,
)

REISSUED_FROM = _ctx(
    "reissued-from",
    "re-issued from",
    "The id of the statement this one re-issues under the actor's surviving learner account "
    "after two learner records were linked (the original is voided).",
    {"type": "string", "format": "uuid"},
)

# Result extensions
STAGE = _res("stage", "stage", "The framework stage attained or judged (0 = not yet 1).", _STAGE)
EXPECTED_STAGE = _res(
    "expected-stage", "expected stage", "The stage expected for the career phase.", _STAGE
)
ADJUSTED = _res(
    "adjusted",
    "adjusted",
    "Whether the supervisor who signed off changed the stage of any element from the "
    "learner's own (on `verified`, whose success means signed off).",
    {"type": "boolean"},
)
MEAN_STAGE = _res(
    "mean-stage",
    "mean stage",
    "The mean stage of the raters a feedback summary pools (to four decimals).",
    {"type": "number", "minimum": 0},
)
RATERS = _res(
    "raters",
    "raters",
    "How many raters' stages a feedback summary pools.",
    {"type": "integer", "minimum": 1},
)
RATINGS = _res(
    "ratings",
    "ratings",
    "The ratings given, keyed by indicator id.",
    {"type": "object", "additionalProperties": {"type": "integer"}},
)

ALL_CONCEPTS: tuple[Concept, ...] = (
    *(LAUNCHED, INITIALIZED, ANSWERED, COMPLETED, SUSPENDED, RESUMED),
    *(VERIFIED, ASSESSED, ASSERTED, RATED, FEEDBACK_SUMMARY, LINKED, UNLINKED, VOIDED),
    *(RESOURCE_LINK, COURSE, PROFILE, ASSESSMENT, QUESTION, COMPETENCY),
    *(FRAMEWORK, DOMAIN, LTI_PLATFORM),
    *(CONSENTED, WITHDREW_CONSENT, CONSENT),
    *(LTI_ISSUER, LTI_DEPLOYMENT_ID, LTI_CONTEXT_ID, CAREER_PHASE, FRAMEWORK_VERSION),
    *(LEARNER, RATER_GROUP, EVIDENCE, LINKED_ISSUER, LINKED_SUBJECT_SHA256, FORMER_ACCOUNT),
    REISSUED_FROM,
    *(STAGE, EXPECTED_STAGE, ADJUSTED, RATINGS, MEAN_STAGE, RATERS),
)
