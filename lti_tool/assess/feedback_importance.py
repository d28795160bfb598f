"""The HLM 360's importance question: how important each dimension is to the learner's role.

Asked only where the framework has an `importance` scale (the HLM; not the LF family or the
curricula): of the learner on each dimension's self-rating page, and of every rater beside
their ratings, one answer per rated domain of the 360. The report summarises the answers per
dimension under the report's own anonymity rules: `framework.multirater.aggregate_importance`
with the report's threshold and exempt groups, and "others" only with `ALL_OTHERS_MIN` answers
outside the named groups, as for the ratings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from framework.model import Domain, Framework
from framework.multirater import LINE_MANAGER, SELF, RaterResponse, aggregate_importance
from lti_tool.assess.stage_forms import domains_in_scope, invalid
from xapi.lrs.formats import whole_number

FIELD = "importance-"
MISSING, OFF_SCALE = "missing", "off-scale"


def asked(framework: Framework, domain_ids: list | None) -> list[Domain]:
    """Return the domains whose importance a 360 asks (none without an importance scale)."""
    if framework.importance is None:
        return []
    return [d for d in domains_in_scope(framework, domain_ids) if d.is_rated]


def value_of(raw: str | None, framework: Framework) -> int | None:
    """Return a form value on the framework's importance scale, or None if it is not one."""
    value = whole_number((raw or "").strip(), 2)
    return value if value in framework.importance.values else None


def problems(form, framework: Framework, domains: list[Domain]) -> dict[str, str]:
    """Return `{domain id: MISSING or OFF_SCALE}` for the answers a person must correct."""
    found = {}
    for domain in domains:
        raw = (form.get(FIELD + domain.id) or "").strip()
        if not raw:
            found[domain.id] = MISSING
        elif value_of(raw, framework) is None:
            found[domain.id] = OFF_SCALE
    return found


def error_items(domains: list[Domain], found: dict[str, str], whose: str) -> list[dict]:
    """Return error-summary items linking to each importance question to correct.

    `whose` ends the question, e.g. "your role" or "Jo's role".
    """
    texts = {
        MISSING: f"choose how important it is to {whose}",
        OFF_SCALE: "choose one of the answers given",
    }
    return [
        {
            "text": f"{d.title}: {texts[found[d.id]]}",
            "href": f"#{FIELD}{d.id}",
            "field": FIELD + d.id,
            "message": texts[found[d.id]],
        }
        for d in domains
        if d.id in found
    ]


def shown_values(form, framework: Framework, domains: list[Domain], stored: dict | None) -> dict:
    """Return the answer to show checked per domain: a valid one just sent, else the stored one."""
    values = {k: v for k, v in (stored or {}).items()}
    for domain in domains:
        sent = value_of((form or {}).get(FIELD + domain.id), framework)
        if sent is not None:
            values[domain.id] = sent
    return values


def read(form, framework: Framework, domains: list[Domain]) -> dict[str, int]:
    """Read one answer per domain; refuse (400) unknown domains, repeats, gaps, off-scale values."""
    ids = {d.id for d in domains}
    for key in form:
        if key.startswith(FIELD) and key[len(FIELD) :] not in ids:
            raise invalid("The form asks how important a domain is that is not part of this 360.")
        if key.startswith(FIELD) and len(form.getlist(key)) > 1:
            raise invalid("The form gives more than one importance for a domain.")
    if problems(form, framework, domains):
        low, high = framework.importance.minimum, framework.importance.maximum
        raise invalid(f"Choose how important each dimension is to the role, from {low} to {high}.")
    return {d.id: value_of(form.get(FIELD + d.id), framework) for d in domains}


def summary(framework: Framework, attempt, answers, settings, all_others_min: int, released=None):
    """Return `[(domain, ImportanceSummary)]` for the report, or None if nothing is asked.

    `answers` are the report's `(invitation, response)` pairs; a group below the threshold
    and "others" with fewer than `all_others_min` answers outside the named groups stay hidden.
    Only the answers whose invitation ids are in `released` (the report's released steps,
    `feedback_steps`) give figures, so reading before and after one more answer recovers
    nothing; a hidden group still says how many of its raters answered.
    """
    domains = asked(framework, attempt.domains)
    if not domains:
        return None
    rated = {d.id for d in domains}
    own = {k: v for k, v in (attempt.importance or {}).items() if k in rated}
    responses = [RaterResponse("self", SELF, own)]
    answered = Counter()
    for invitation, response in answers:
        given = {k: v for k, v in (response.importance or {}).items() if k in rated}
        for domain_id in given:
            answered[(invitation.rater_group, domain_id)] += 1
        if released is not None and invitation.id not in released:
            given = {}
        responses.append(RaterResponse(invitation.id, invitation.rater_group, given))
    figures = aggregate_importance(
        framework,
        responses,
        min_raters=settings.feedback_min_raters,
        exempt_groups=settings.feedback_exempt_groups,
    )
    named = {LINE_MANAGER, *settings.feedback_exempt_groups}
    rows = []
    for domain in domains:
        item = figures[domain.id]
        anonymous = sum(
            1
            for r in responses
            if r.group != SELF and r.group not in named and r.values.get(domain.id) is not None
        )
        if anonymous < all_others_min:
            item = replace(item, others_median=None, others_low=None, others_high=None)
        groups = tuple(
            g if g.shown else replace(g, raters=answered[(g.group, domain.id)]) for g in item.groups
        )
        rows.append((domain, replace(item, groups=groups)))
    return rows
