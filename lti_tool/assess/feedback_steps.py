"""Released steps of 360 figures: which answers a report, an export or a statement may use.

A learner who reads the report after N answers of a group and again after the N+1th could
subtract the two to recover the newest rater's ratings, and attribute a comment that newly
appeared. So figures never follow each answer. For each rater group and element, answers are
taken oldest first, and only a *released* prefix is used: it grows in whole steps of
`LEADPATH_FEEDBACK_MIN_RATERS` values (one for an exempt group, whose raters are named), so
two readings differ by at least a step of raters or not at all. Comments are released the
same way per group, by answers. Answers beyond the last whole step wait for the next one;
when the round closes, fewer than a step are never shown (releasing them would isolate them).
The step depends only on the answers' order, so every page, export and statement agrees.
"""

from __future__ import annotations

from collections import Counter

from framework.multirater import RaterResponse


def ordered(answers: list) -> list:
    """Return ``(invitation, response)`` pairs oldest answer first (ties by invitation id)."""
    return sorted(answers, key=lambda pair: (pair[1].submitted_at, pair[0].id))


def released_count(total: int, step: int) -> int:
    """Return how many of ``total`` answers are released with steps of ``step``."""
    return total - total % step


def release(answers: list, step_of) -> tuple[list[RaterResponse], set[str]]:
    """Return the released values as rater responses and the ids of released comments.

    ``answers`` are ``(invitation, response)`` pairs; ``step_of(group)`` gives the step.
    """
    answers = ordered(answers)
    per_value, per_group = Counter(), Counter()
    for invitation, response in answers:
        per_group[invitation.rater_group] += 1
        for path, value in response.ratings.items():
            per_value[(invitation.rater_group, path)] += value is not None
    used, seen_group = Counter(), Counter()
    released, comments = [], set()
    for invitation, response in answers:
        group, step = invitation.rater_group, step_of(invitation.rater_group)
        seen_group[group] += 1
        if seen_group[group] <= released_count(per_group[group], step):
            comments.add(response.invitation_id)
        values = {}
        for path, value in response.ratings.items():
            if value is None:
                continue
            used[(group, path)] += 1
            if used[(group, path)] <= released_count(per_value[(group, path)], step):
                values[path] = value
        released.append(RaterResponse(invitation.id, group, values))
    return released, comments


def new_steps(answers: list, newest, step: int) -> dict[str, list[int]]:
    """Return, per element the newest answer completes a step of, the values released now.

    ``newest`` is the answer just stored (an ``(invitation, response)`` pair in ``answers``);
    a statement may carry the values of a group on an element only at these steps.
    """
    group = newest[0].rater_group
    mine = [r for inv, r in ordered(answers) if inv.rater_group == group]
    out = {}
    for path, value in newest[1].ratings.items():
        values = [r.ratings[path] for r in mine if r.ratings.get(path) is not None]
        if value is not None and len(values) % step == 0:
            out[path] = values
    return out
