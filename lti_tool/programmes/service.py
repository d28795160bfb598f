"""Defining programmes, their scope and leads, and trainees' consent; the same for CLI and pages.

Each function changes one thing in the caller's transaction and raises `ProgrammeError` with a
sentence a person can act on when the change cannot be made.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from lti_tool.models import Course, Platform, utcnow
from lti_tool.programmes.models import HistoryConsent, Programme, ProgrammeLead, ProgrammeScope

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CLI, ADMIN, LAUNCH = "cli", "admin", "launch"


class ProgrammeError(ValueError):
    """A programme change that cannot be made, in words for the person who asked."""


def find(session: Session, slug: str) -> Programme:
    """Return the programme with this short name, or say there is none."""
    programme = session.scalar(select(Programme).where(Programme.slug == slug))
    if programme is None:
        raise ProgrammeError(
            f"There is no programme called {slug!r}; `leadpath programme list` shows them."
        )
    return programme


def add(session: Session, slug: str, title: str | None = None) -> Programme:
    """Define a programme."""
    if not SLUG.match(slug or ""):
        raise ProgrammeError(
            "A programme's name is 1 to 64 lower-case letters, digits and hyphens, "
            "such as north-foundation."
        )
    if session.scalar(select(Programme.id).where(Programme.slug == slug)) is not None:
        raise ProgrammeError(f"A programme called {slug!r} exists already.")
    programme = Programme(slug=slug, title=(title or slug).strip()[:255] or slug)
    session.add(programme)
    session.flush()
    return programme


def remove(session: Session, slug: str) -> None:
    """Remove a programme with its scope and leads (trainees' records are untouched)."""
    session.delete(find(session, slug))
    session.flush()


def add_scope(
    session: Session,
    slug: str,
    issuer: str,
    deployment_id: str | None = None,
    context_id: str | None = None,
) -> ProgrammeScope:
    """Add a platform (optionally one deployment, one course) to a programme's scope."""
    programme = find(session, slug)
    if session.scalar(select(Platform.id).where(Platform.issuer == issuer).limit(1)) is None:
        raise ProgrammeError(
            f"No platform with issuer {issuer!r} is registered; `leadpath platform list` "
            "shows the issuers."
        )
    for scope in programme.scopes:
        if (scope.issuer, scope.deployment_id, scope.context_id) == (
            issuer,
            deployment_id,
            context_id,
        ):
            raise ProgrammeError("The programme's scope holds that already.")
    scope = ProgrammeScope(
        programme_id=programme.id,
        issuer=issuer,
        deployment_id=deployment_id or None,
        context_id=context_id or None,
    )
    programme.scopes.append(scope)
    session.flush()
    return scope


def trusts(programme: Programme, issuer: str) -> bool:
    """Return True when the programme's scope names this platform."""
    return any(scope.issuer == issuer for scope in programme.scopes)


def grant(session: Session, slug: str, issuer: str, sub: str, via: str = CLI) -> ProgrammeLead:
    """Let the platform identity (issuer, sub) see the programme; say so if it could already."""
    programme = find(session, slug)
    if not trusts(programme, issuer):
        raise ProgrammeError(
            f"The programme {slug!r} does not include the platform {issuer!r}: add it with "
            "`leadpath programme scope add` first."
        )
    if not sub:
        raise ProgrammeError("Give the lead's user id at the platform (the launch's `sub`).")
    existing = next((g for g in programme.leads if (g.issuer, g.sub) == (issuer, sub)), None)
    if existing is not None:
        return existing
    lead = ProgrammeLead(programme_id=programme.id, issuer=issuer, sub=sub, granted_via=via)
    programme.leads.append(lead)
    session.flush()
    return lead


def programmes_led_by(session: Session, issuer: str, sub: str) -> list[Programme]:
    """Return the programmes this platform identity leads, by name."""
    return list(
        session.scalars(
            select(Programme)
            .join(ProgrammeLead, ProgrammeLead.programme_id == Programme.id)
            .where(ProgrammeLead.issuer == issuer, ProgrammeLead.sub == sub)
            .order_by(Programme.slug)
        )
    )


def scope_condition(programme: Programme):
    """Return a SQL condition on `Course` true for the programme's courses (false if none)."""
    parts = []
    for scope in programme.scopes:
        terms = [Course.issuer == scope.issuer]
        if scope.deployment_id:
            terms.append(Course.deployment_id == scope.deployment_id)
        if scope.context_id:
            terms.append(Course.context_id == scope.context_id)
        parts.append(and_(*terms))
    return or_(*parts) if parts else false()


def consent_of(session: Session, learner_id: str) -> bool:
    """Return True when the learner lets programmes see their linked history."""
    found = session.get(HistoryConsent, learner_id)
    return bool(found and found.agreed)


def set_consent(session: Session, learner_id: str, agreed: bool) -> bool:
    """Record the learner's answer; return True when it changed."""
    found = session.get(HistoryConsent, learner_id)
    if found is not None and found.agreed == agreed:
        return False
    if found is None:
        if not agreed:
            return False
        found = HistoryConsent(learner_id=learner_id)
        session.add(found)
    found.agreed = agreed
    found.changed_at = utcnow()
    session.flush()
    return True
