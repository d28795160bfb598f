"""Read one domain page's answers from submitted fields, refusing anything out of place.

Field names: ``rating:<indicator id>`` (a scale value, ``unsure`` for "Not sure" or
``not-applicable`` for "Not applicable to my role"), ``stage:<element path>``
(a stage number or empty), ``reflection:<element path>`` and ``evidence:<element path>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from framework.model import NOT_APPLICABLE, Domain, Framework
from lti_tool.errors import UserFacingError
from xapi.lrs.formats import whole_number

RATING, STAGE, REFLECTION, EVIDENCE = "rating:", "stage:", "reflection:", "evidence:"
UNSURE = "unsure"
NOT_APPLICABLE_FIELD = NOT_APPLICABLE  # stored as given: scoring takes it out of its stage
MAX_TEXT = 5000


@dataclass
class ElementAnswer:
    """What the learner gave for one element on the page."""

    ratings: dict[str, int | str | None] = field(default_factory=dict)
    picked_stage: int | None = None
    reflection: str | None = None
    evidence: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing at all was given."""
        return not (
            self.ratings or self.picked_stage is not None or self.reflection or self.evidence
        )


def _bad(
    detail: str, hint: str = "Go back to the page, correct the answer and save again."
) -> UserFacingError:
    return UserFacingError(
        detail, hint=hint, code="bad_answer", status=400, title="This answer cannot be saved"
    )


def _rating(framework: Framework, indicator_id: str, raw: str) -> int | str | None:
    if raw == UNSURE:
        return None
    if raw == NOT_APPLICABLE_FIELD:
        return NOT_APPLICABLE
    allowed = [p.value for p in framework.scale.points]
    labels = ", ".join(f"{p.value} ({p.label})" for p in framework.scale.points)
    value = whole_number(raw, 3)
    if value is None or value not in allowed:
        raise _bad(
            f"The rating {raw!r} for indicator {indicator_id!r} is not on the scale; "
            f"use one of {labels}, 'not sure' or 'not applicable to my role'."
        )
    return value


def _stage(framework: Framework, path: str, raw: str) -> int | None:
    if raw == "":
        return None
    allowed = list(framework.stage_numbers)
    if whole_number(raw, 3) not in allowed:
        raise _bad(
            f"The stage {raw!r} picked for element {path!r} is not a stage of this framework; "
            f"pick one of {', '.join(map(str, allowed))} or none."
        )
    return int(raw)


def _text(path: str, name: str, raw: str) -> str | None:
    raw = raw.strip()
    if len(raw) > MAX_TEXT:
        raise _bad(
            f"The {name} for element {path!r} is longer than {MAX_TEXT} characters.",
            "Shorten it and save again.",
        )
    return raw or None


def _element_path(framework: Framework, domain: Domain, allowed: Iterable[str], path: str) -> str:
    try:
        element = framework.element(path)
    except KeyError:
        raise _bad(f"The element {path!r} is not part of {framework.title}.") from None
    if element.domain_id != domain.id or element.domain_id not in allowed:
        raise _bad(f"The element {path!r} does not belong on the page for {domain.title}.")
    return path


def read_domain_answers(
    framework: Framework, domain: Domain, allowed_domains: Iterable[str], fields: Mapping[str, str]
) -> dict[str, ElementAnswer]:
    """Return the answers per element path of `domain`; refuse unknown or out-of-range input."""
    allowed_domains = list(allowed_domains)
    answers = {e.path: ElementAnswer() for e in domain.elements}
    for name in fields:
        raw = fields[name]
        if name.startswith(RATING):
            indicator_id = name[len(RATING) :]
            try:
                indicator = framework.indicator(indicator_id)
            except KeyError:
                raise _bad(
                    f"The indicator {indicator_id!r} is not part of {framework.title}."
                ) from None
            path = _element_path(framework, domain, allowed_domains, indicator.element_path)
            if not domain.is_rated:
                raise _bad(f"{domain.title} is reflected on in writing, not rated.")
            answers[path].ratings[indicator_id] = _rating(framework, indicator_id, raw)
        elif name.startswith(STAGE):
            path = _element_path(framework, domain, allowed_domains, name[len(STAGE) :])
            if not domain.is_rated and raw:
                raise _bad(f"{domain.title} is reflected on in writing, not rated.")
            answers[path].picked_stage = _stage(framework, path, raw)
        elif name.startswith(REFLECTION):
            path = _element_path(framework, domain, allowed_domains, name[len(REFLECTION) :])
            answers[path].reflection = _text(path, "reflection", raw)
        elif name.startswith(EVIDENCE):
            path = _element_path(framework, domain, allowed_domains, name[len(EVIDENCE) :])
            answers[path].evidence = _text(path, "evidence", raw)
    return answers
