"""The statement browser's filters: what a person types, made into a storage query.

Every filter is a URL parameter. A learner may be given by account name (leadpath's learner
id) or by name, which leadpath's own records resolve to accounts; a verb by its IRI or its
display name; an activity or a course by IRI or by name, which the LRS's activity definitions
resolve. A name matching one thing is used; several are offered as choices; none is said so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import Engine, func, or_, select

from xapi.lrs import StatementQuery, formats
from xapi.lrs import validate_parts as p
from xapi.lrs.browse import figures, find_activities, holds_learner
from xapi.lrs.errors import Invalid

FIELDS = ("learner", "verb", "activity", "course", "registration", "from", "to", "voided")
VERBS_MAX_AGE = 60.0
_verbs: dict[str, tuple[float, list[tuple[str, str, int]]]] = {}


@dataclass
class Filters:
    """The browser's filters: the query, the values to keep in links, and what to say."""

    query: StatementQuery
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # label, value
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        """Return False while a filter is wrong or waits for a choice (nothing to list)."""
        return not self.errors and not self.choices


def stored_verbs(engine: Engine, *, fresh: bool = False) -> list[tuple[str, str, int]]:
    """Return (verb id, display name, count) of the verbs the store holds (cached a minute)."""
    key = str(engine.url)
    now = time.monotonic()
    cached = _verbs.get(key)
    if fresh or cached is None or cached[0] < now:
        cached = (
            now + VERBS_MAX_AGE,
            figures(engine, StatementQuery(include_voided=True)).per_verb,
        )
        _verbs[key] = cached
    return cached[1]


def _learners_named(text: str) -> list[tuple[str, str]]:
    """Return (label, learner id) of people leadpath knows whose name or email has `text`."""
    from lti_tool.db import get_session
    from lti_tool.identity.linking import platform_names
    from lti_tool.models import PlatformUser

    like = f"%{text.lower()}%"
    columns = (PlatformUser.name, PlatformUser.given_name, PlatformUser.family_name)
    session = get_session()
    users = session.scalars(
        select(PlatformUser)
        .where(or_(*(func.lower(c).like(like) for c in (*columns, PlatformUser.email))))
        .order_by(PlatformUser.family_name, PlatformUser.given_name, PlatformUser.id)
        .limit(50)
    ).all()
    names = platform_names(session, {u.issuer for u in users})
    people: dict[str, tuple[str, list[str]]] = {}
    for user in users:
        person, places = people.setdefault(user.learner_id, (user.display_name, []))
        if names[user.issuer] not in places:
            places.append(names[user.issuer])
    return [(f"{n} ({', '.join(places)})", lid) for lid, (n, places) in people.items()]


def _day(value: str, end: bool) -> int:
    day = date.fromisoformat(value)
    if not 1970 <= day.year <= 2999:
        raise ValueError
    moment = datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time(), UTC)
    return formats.to_micros(moment) - (1 if end else 0)


def _learner(f: Filters, engine: Engine, value: str) -> None:
    if holds_learner(engine, value):
        f.query.learner = value
        return
    matches = _learners_named(value) if len(value) >= 2 else []
    if len(matches) == 1:
        f.query.learner = matches[0][1]
        f.notes["learner"] = f"Showing {matches[0][0]}, account {matches[0][1]}."
    elif matches:
        f.choices["learner"] = matches
    else:
        f.errors["learner"] = (
            f"No learner has the account name or a name like “{value}”. Enter an account "
            "name from a statement, or part of a person's name or email."
        )


def _verb(f: Filters, engine: Engine, value: str) -> None:
    if "://" in value or value.startswith("urn:"):
        try:
            f.query.verb = p.iri(value, "Verb")
        except Invalid:
            f.errors["verb"] = "Enter a verb's IRI, or choose a verb from the list."
        return
    needle = value.lower()
    matches = [(label, vid) for vid, label, _ in stored_verbs(engine) if needle in label.lower()]
    if not matches:  # a verb stored within the last minute
        verbs = stored_verbs(engine, fresh=True)
        matches = [(label, vid) for vid, label, _ in verbs if needle in label.lower()]
    exact = [m for m in matches if m[0].lower() == needle]
    if len(exact) == 1 or len(matches) == 1:
        f.query.verb = (exact or matches)[0][1]
    elif matches:
        f.choices["verb"] = matches
    else:
        f.errors["verb"] = f"No stored verb is called “{value}”. Choose a verb from the list."


def _activity(f: Filters, engine: Engine, name: str, value: str) -> None:
    what = "course" if name == "course" else "activity"
    if "://" in value or value.startswith("urn:"):
        try:
            setattr(f.query, name, p.iri(value, what.capitalize()))
        except Invalid:
            f.errors[name] = f"Enter the {what}'s IRI or part of its name."
        return
    matches = [(f"{label} ({aid})", aid) for aid, label in find_activities(engine, value)]
    if len(matches) == 1:
        setattr(f.query, name, matches[0][1])
        f.notes[name] = f"Showing {matches[0][0]}."
    elif matches:
        f.choices[name] = matches
    else:
        f.errors[name] = f"No {what} the store knows has a name like “{value}”."


def read_filters(args, engine: Engine | None = None) -> Filters:
    """Return the browser's filters from request arguments; problems are kept, not raised."""
    engine = engine or current_app.extensions["leadpath.db"].engine
    values = {k: (args.get(k) or "").strip() for k in FIELDS}
    values = {k: v for k, v in values.items() if v}
    f = Filters(StatementQuery(related_activities=True), values)
    f.query.include_voided = values.get("voided") == "1"
    if "learner" in values:
        _learner(f, engine, values["learner"])
    if "verb" in values:
        _verb(f, engine, values["verb"])
    for name in ("activity", "course"):
        if name in values:
            _activity(f, engine, name, values[name])
    if "registration" in values:
        try:
            f.query.registration = p.uuid(values["registration"], "Registration")
        except Invalid:
            f.errors["registration"] = (
                "A registration looks like 7f3c9e2a-1b4d-4c8e-9f21-0a6b5c4d3e2f."
            )
    for name, end in (("from", False), ("to", True)):
        if name in values:
            try:
                micros = _day(values[name], end)
            except (ValueError, OverflowError):
                f.errors[name] = f"The “{name}” date must be a real date, like 2026-05-01."
                continue
            if end:
                f.query.until_us = micros
            else:
                f.query.since_us = micros - 1
    return f
