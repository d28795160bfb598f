"""Form fields shared by rating and review pages: a stage per element, comments, refusals."""

from __future__ import annotations

from framework.model import Domain, Framework
from lti_tool.errors import UserFacingError
from xapi.lrs.formats import whole_number

MAX_COMMENT = 4000
STAGE_FIELD = "stage-"
NOT_OBSERVED = "none"


def invalid(detail: str, hint: str | None = None, status: int = 400) -> UserFacingError:
    """Return the error for a form that cannot be used (nothing is stored)."""
    return UserFacingError(
        detail,
        hint=hint or "Go back, correct the form and submit it again.",
        code="invalid_input" if status == 400 else "conflict",
        status=status,
        title="This form could not be saved" if status == 400 else "Already done",
    )


def domains_in_scope(framework: Framework, domain_ids: list | None) -> list[Domain]:
    """Return the attempt's domains in framework order (all when none are named)."""
    if not domain_ids:
        return list(framework.domains)
    return [d for d in framework.domains if d.id in set(domain_ids)]


def element_paths(framework: Framework, domain_ids: list | None) -> list[str]:
    """Return the element paths of the attempt's domains, in framework order."""
    return [e.path for d in domains_in_scope(framework, domain_ids) for e in d.elements]


def read_stages(form, framework: Framework, paths: list[str], *, required: bool) -> dict:
    """Read `stage-<element path>` fields; refuse unknown elements and stages out of range."""
    allowed = set(paths)
    for key in form:
        if not key.startswith(STAGE_FIELD):
            continue
        if key[len(STAGE_FIELD) :] not in allowed:
            raise invalid("The form names an element that is not part of this assessment.")
        if len(form.getlist(key)) > 1:
            raise invalid("The form gives more than one stage for an element.")
    values: dict[str, int | None] = {}
    for path in paths:
        raw = (form.get(STAGE_FIELD + path) or "").strip()
        if raw in ("", NOT_OBSERVED):
            if required:
                raise invalid("Choose a stage for every element before saving.")
            values[path] = None
            continue
        stage = whole_number(raw, 2)
        if stage is None or not 0 <= stage <= framework.max_stage:
            raise invalid(f"A stage must be a whole number from 0 to {framework.max_stage}.")
        values[path] = stage
    return values


def read_comment(form, name: str = "comment") -> str | None:
    """Return a trimmed free-text field, refusing one that is too long."""
    text = (form.get(name) or "").strip()
    if len(text) > MAX_COMMENT:
        raise invalid(f"A comment can be at most {MAX_COMMENT} characters long.")
    return text or None
