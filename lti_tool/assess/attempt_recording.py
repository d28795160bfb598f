"""The xAPI statements of a self-assessment attempt, queued in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from framework.iri import domain_iri, element_iri
from framework.scoring import score_element
from lti_tool.assess.framework_versions import framework_of
from lti_tool.assess.models import Attempt
from lti_tool.models import LaunchSession, new_uuid
from lti_tool.recording import launch_context, queue
from xapi import statements as xs


class AttemptStatements:
    """Build and queue the statements of one attempt within one launch."""

    def __init__(self, session: Session, launch: LaunchSession, attempt: Attempt):
        self.session = session
        self.launch = launch
        self.attempt = attempt
        version = attempt.framework_version
        self.framework = framework_of(version)
        self.context = launch_context(
            launch,
            framework_id=version.framework_id,
            framework_version=version.version,
            framework_title=version.title,
            career_phase=attempt.career_phase,
        )
        self.title = f"{version.title} self-assessment"

    def _queue(self, *statements: dict) -> list[str]:
        return queue(self.session, self.launch, list(statements), self.attempt.learner_id)

    def _event(self) -> xs.AttemptEvent:
        return xs.AttemptEvent(attempt_id=self.attempt.id, assessment_title=self.title)

    def _element(self, path: str) -> dict:
        base = self.context.base_url
        element = self.framework.element(path)
        domain = self.framework.domain(element.domain_id)
        return {
            "attempt_id": self.attempt.id,
            "element_iri": element_iri(base, self.framework.id, path),
            "element_title": element.title,
            "domain_iri": domain_iri(base, self.framework.id, domain.id),
            "domain_title": domain.title,
        }

    def initialized(self) -> None:
        """Queue `initialized` for a new attempt."""
        self._queue(xs.build_initialized(self.context, self._event()))

    def suspended(self) -> None:
        """Queue `suspended` when the learner saves to finish later."""
        self._queue(xs.build_suspended(self.context, self._event()))

    def resumed(self) -> None:
        """Queue `resumed` when an open attempt is taken up again."""
        self._queue(xs.build_resumed(self.context, self._event()))

    def answered(self, path: str, ratings: dict, picked_stage: int | None) -> None:
        """Queue `answered` with an element's ratings and the stage they give."""
        scored = score_element(self.framework, path, ratings, picked_stage)
        given = {k: v for k, v in ratings.items() if isinstance(v, int)}
        stage = scored.attained if scored.attained is not None else 0
        event = xs.Answered(**self._element(path), ratings=given, stage=stage)
        self._queue(xs.build_answered(self.context, event))

    def completed(self, grade: dict, success: bool, duration: timedelta) -> str:
        """Queue `completed` with the attempt's grade as the score; return its id.

        The score is the gradebook's: raw = elements (or stage steps) counted, max = out of
        how many, so scaled is the share sent to the gradebook (see SCORING.md).
        """
        statement_id = new_uuid()
        counted = grade["denominator"] > 0
        event = xs.Completed(
            attempt_id=self.attempt.id,
            assessment_title=self.title,
            score_raw=float(grade["numerator"]) if counted else None,
            score_max=float(grade["denominator"]) if counted else None,
            met_expected_stage=success,
            duration=duration,
        )
        self._queue(xs.build_completed(self.context, event, statement_id=statement_id))
        return statement_id

    def competency(self, path: str, stage: int, expected: int | None, evidence_id: str) -> None:
        """Queue the competency `assessed` and `asserted` statements for one element."""
        event = xs.CompetencyEvent(
            **self._element(path),
            stage=stage,
            expected_stage=expected,
            stage_max=self.framework.max_stage,
            evidence=(evidence_id,),
        )
        self._queue(
            xs.build_competency_assessed(self.context, event),
            xs.build_competency_asserted(self.context, event),
        )
