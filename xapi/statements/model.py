"""Plain-value inputs to the statement builders.

The web layer fills these from the LTI launch and the framework; nothing here
imports either, so the builders can be used and tested on their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from xapi.statements.vocabulary import RATER_GROUPS


def _check_uuid(name: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a UUID, got {value!r}") from None


@dataclass(frozen=True, kw_only=True)
class LaunchContext:
    """Who is learning, where they launched from, and which framework is in use.

    ``include_pii`` puts ``learner_name`` in ``actor.name``; without it the actor is
    the tool-scoped account alone. ``platform_product`` is the LMS product name from
    the LTI tool_platform claim.
    """

    base_url: str
    learner_id: str
    issuer: str
    deployment_id: str
    resource_link_id: str
    framework_iri: str
    framework_version: str
    context_id: str | None = None
    context_title: str | None = None
    resource_link_title: str | None = None
    platform_product: str | None = None
    career_phase: str | None = None
    framework_title: str | None = None
    include_pii: bool = False
    learner_name: str | None = None

    def __post_init__(self) -> None:
        """Reject values that would make an unusable statement."""
        _check_uuid("learner_id", self.learner_id)
        if not self.base_url.startswith(("https://", "http://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")


@dataclass(frozen=True, kw_only=True)
class Launch:
    """A launch; ``attempt_id`` when it opens (or reopens) an attempt."""

    attempt_id: str | None = None

    def __post_init__(self) -> None:
        """Check the attempt id."""
        if self.attempt_id is not None:
            _check_uuid("attempt_id", self.attempt_id)


@dataclass(frozen=True, kw_only=True)
class AttemptEvent:
    """An event in an attempt with nothing else to say (initialized, suspended, resumed)."""

    attempt_id: str
    assessment_title: str | None = None

    def __post_init__(self) -> None:
        """Check the attempt id."""
        _check_uuid("attempt_id", self.attempt_id)


@dataclass(frozen=True, kw_only=True)
class ElementEvent(AttemptEvent):
    """An event about one framework element within an attempt."""

    element_iri: str
    element_title: str | None = None
    domain_iri: str | None = None
    domain_title: str | None = None


@dataclass(frozen=True, kw_only=True)
class Answered(ElementEvent):
    """The learner's ratings of an element's indicators, and the stage they give."""

    ratings: Mapping[str, int]
    stage: int


@dataclass(frozen=True, kw_only=True)
class Rated(Answered):
    """A 360 rater's ratings; the rater is known only by a hash of ``invite_id``.

    leadpath no longer sends these (one rater's stages, however pseudonymous, are theirs); it
    sends :class:`FeedbackSummary` steps instead. Kept to read and test earlier statements.
    """

    invite_id: str
    rater_group: str | None = None

    def __post_init__(self) -> None:
        """Check the rater group, when one is given."""
        super().__post_init__()
        if self.rater_group is not None and self.rater_group not in RATER_GROUPS:
            raise ValueError(f"rater_group must be one of {RATER_GROUPS}, got {self.rater_group!r}")


@dataclass(frozen=True, kw_only=True)
class FeedbackSummary(ElementEvent):
    """A released step of one 360 rater group's figures on an element: mean and count."""

    rater_group: str
    mean_stage: float
    raters: int

    def __post_init__(self) -> None:
        """Check the group and the count."""
        super().__post_init__()
        if self.rater_group not in RATER_GROUPS:
            raise ValueError(f"rater_group must be one of {RATER_GROUPS}, got {self.rater_group!r}")
        if self.raters < 1 or self.mean_stage < 0:
            raise ValueError("a feedback summary pools at least one rater and a stage of 0 or more")


@dataclass(frozen=True, kw_only=True)
class Completed(AttemptEvent):
    """A finished attempt: its score, whether it met the expected stage, how long it took.

    ``score_raw`` and ``score_max`` are ``None`` when nothing could be scored (the statement
    then carries no score).
    """

    score_raw: float | None
    score_max: float | None
    score_min: float = 0.0
    met_expected_stage: bool
    duration: timedelta
    stage: int | None = None
    expected_stage: int | None = None

    def __post_init__(self) -> None:
        """Check the score range."""
        super().__post_init__()
        if self.score_raw is None and self.score_max is None:
            return
        if (
            self.score_raw is None
            or self.score_max is None
            or not self.score_min <= self.score_raw <= self.score_max
            or self.score_min == self.score_max
        ):
            raise ValueError("score_raw must lie in [score_min, score_max], a non-empty range")


@dataclass(frozen=True, kw_only=True)
class Validated(AttemptEvent):
    """A supervisor's validation of a learner's attempt.

    The supervisor is the actor; ``agreed`` says whether they confirmed the learner's
    self-assessment, ``stage`` is the stage they judged (if they gave one).
    """

    supervisor_id: str
    agreed: bool
    stage: int | None = None
    supervisor_name: str | None = None

    def __post_init__(self) -> None:
        """Check the supervisor id."""
        super().__post_init__()
        _check_uuid("supervisor_id", self.supervisor_id)


@dataclass(frozen=True, kw_only=True)
class CompetencyEvent(ElementEvent):
    """The stage a learner holds in one element (competency), with its evidence."""

    stage: int
    expected_stage: int | None = None
    stage_max: int = 4
    evidence: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        """Check the stage range."""
        super().__post_init__()
        if not 0 <= self.stage <= self.stage_max:
            raise ValueError(f"stage must lie in [0, {self.stage_max}], got {self.stage}")


@dataclass(frozen=True, kw_only=True)
class IdentityLink:
    """A platform identity linked to, or unlinked from, the learner's record.

    ``linked_subject`` (the platform's user id) is hashed with its issuer before it
    goes anywhere near a statement. ``former_learner_id`` is the learner record a link
    merged into the actor's (the actor of that record's earlier statements).
    """

    linked_issuer: str
    linked_subject: str
    linked_platform_name: str | None = None
    former_learner_id: str | None = None

    def __post_init__(self) -> None:
        """Check the former learner id."""
        if self.former_learner_id is not None:
            _check_uuid("former_learner_id", self.former_learner_id)
