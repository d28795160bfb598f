"""`leadpath learner export`: everything held about one learner, as JSON and a readable summary.

Held about a learner: their platform identities (names and emails as platforms sent them),
courses and roles, the course rosters platforms listed them in, programmes they lead, whether
they share their linked history with programmes, every attempt with its answers, reflections
and evidence, the 360 aggregates (never one rater's answers or comments), supervisor
validations, records merged into theirs, whether a registration-number fingerprint is kept,
statements still queued, and every statement about them in the embedded LRS.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from lti_tool.assess.models import Attempt, FeedbackInvitation, Validation
from lti_tool.courses.models import RosterMember
from lti_tool.identity.linking import platform_names
from lti_tool.identity.models import ProfessionalRegistration
from lti_tool.models import Course, Membership, PlatformUser
from lti_tool.programmes.models import HistoryConsent, Programme, ProgrammeLead
from lti_tool.rights import LearnerRecord
from xapi.lrs import StatementQuery, query_statements
from xapi.outbox.models import OutboxStatement


def _plain(value: Any) -> Any:
    """Turn dataclasses, datetimes and sets into JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _identities(session: Session, record: LearnerRecord) -> list[dict]:
    users = [session.get(PlatformUser, i) for i in record.identity_ids]
    names = platform_names(session, {u.issuer for u in users})
    out = []
    for user in users:
        courses = session.execute(
            select(Course.title, Course.context_id, Membership.roles)
            .join(Course, Course.id == Membership.course_id, isouter=True)
            .where(Membership.platform_user_id == user.id)
        ).all()
        out.append(
            {
                "platform": names[user.issuer],
                "issuer": user.issuer,
                "user_id": user.sub,
                "name": user.name,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "email": user.email,
                "first_launch": user.created_at,
                "last_launch": user.last_launch_at,
                "courses": [
                    {"title": title, "context_id": context_id, "roles": roles}
                    for title, context_id, roles in courses
                ],
                "course_rosters": _rosters(session, user),
                "programme_lead_of": list(
                    session.scalars(
                        select(Programme.slug)
                        .join(ProgrammeLead, ProgrammeLead.programme_id == Programme.id)
                        .where(ProgrammeLead.issuer == user.issuer, ProgrammeLead.sub == user.sub)
                        .order_by(Programme.slug)
                    )
                ),
                "registration_number_fingerprint_kept": session.get(
                    ProfessionalRegistration, user.id
                )
                is not None,
            }
        )
    return out


def _rosters(session: Session, user: PlatformUser) -> list[dict]:
    """The platform's course rosters (Names and Role Provisioning) listing this account."""
    rows = session.execute(
        select(Course.title, Course.context_id, RosterMember)
        .join(Course, Course.id == RosterMember.course_id)
        .where(Course.issuer == user.issuer, RosterMember.user_id == user.sub)
        .order_by(Course.id)
    ).all()
    return [
        {
            "course": title,
            "context_id": context_id,
            "name": member.name,
            "given_name": member.given_name,
            "family_name": member.family_name,
            "email": member.email,
            "roles": member.roles,
        }
        for title, context_id, member in rows
    ]


def _feedback(session: Session, attempt: Attempt) -> dict:
    from lti_tool.assess.feedback_report import build_report

    invitations = session.scalars(
        select(FeedbackInvitation).where(FeedbackInvitation.attempt_id == attempt.id)
    ).all()
    report = build_report(session, attempt)
    return {
        "invited": {
            g: sum(1 for i in invitations if i.rater_group == g)
            for g in sorted({i.rater_group for i in invitations})
        },
        "answered": report["raters"],
        "aggregates": report["summary"],
        "biggest_gaps": report["gaps"],
        "importance": (
            None if report["importance"] is None else {d.id: s for d, s in report["importance"]}
        ),
        "note": "Aggregates only, as the 360 report shows them; one rater's answers or "
        "comments are not part of the learner's record.",
    }


def _validation(session: Session, attempt: Attempt) -> dict | None:
    validation = session.scalar(select(Validation).where(Validation.attempt_id == attempt.id))
    if validation is None:
        return None
    supervisor = session.get(PlatformUser, validation.supervisor_id)
    return {
        "supervisor": supervisor.display_name if supervisor else None,
        "comment": validation.comment,
        "reviewed_at": validation.created_at,
        "signed_off_at": validation.signed_off_at,
        "elements": [
            {
                "element": e.element_path,
                "learner_stage": e.learner_stage,
                "confirmed_stage": e.confirmed_stage,
                "comment": e.comment,
            }
            for e in validation.elements
        ],
    }


def _attempts(session: Session, record: LearnerRecord) -> list[dict]:
    attempts = session.scalars(
        select(Attempt)
        .where(
            or_(
                Attempt.learner_id.in_(record.all_ids),
                Attempt.platform_user_id.in_(record.identity_ids or (-1,)),
            )
        )
        .order_by(Attempt.started_at)
    ).all()
    out = []
    for attempt in attempts:
        version = attempt.framework_version
        item = {
            "id": attempt.id,
            "kind": attempt.kind,
            "framework": version.framework_id,
            "framework_version": version.version,
            "career_phase": attempt.career_phase,
            "domains": attempt.domains,
            "status": attempt.status,
            "started_at": attempt.started_at,
            "completed_at": attempt.completed_at,
            "score": attempt.score,
            "result": attempt.result,
            "answers": [
                {
                    "element": r.element_path,
                    "ratings": r.ratings,
                    "picked_stage": r.picked_stage,
                    "reflection": r.reflection,
                    "evidence": r.evidence,
                    "updated_at": r.updated_at,
                }
                for r in attempt.responses
            ],
            "validation": _validation(session, attempt),
        }
        if attempt.kind == "360":
            item["feedback_360"] = _feedback(session, attempt)
        out.append(item)
    return out


def _lrs_statements(engine: Engine, base_url: str, record: LearnerRecord) -> list[dict]:
    found: dict[str, dict] = {}
    for learner_id in record.all_ids:
        agent = {"account": {"homePage": base_url, "name": learner_id}}
        query = StatementQuery(agent=agent, related_agents=True, ascending=True, limit=500)
        while True:
            page = query_statements(engine, query)
            for statement in page.statements():
                found.setdefault(statement["id"], statement)
            if page.next_after is None:
                break
            query.after = page.next_after
    return sorted(found.values(), key=lambda s: (s.get("stored", ""), s["id"]))


def _consent(session: Session, record: LearnerRecord) -> dict | None:
    consent = session.get(HistoryConsent, record.learner_id)
    if consent is None:
        return None
    return {"agreed": consent.agreed, "changed_at": consent.changed_at}


def export_learner(session: Session, engine: Engine, base_url: str, record: LearnerRecord) -> dict:
    """Return one JSON-ready document of everything held about the learner."""
    queued = session.scalars(
        select(OutboxStatement.body)
        .where(OutboxStatement.learner_key.in_(record.all_ids))
        .order_by(OutboxStatement.seq)
    ).all()
    document = {
        "exported_at": datetime.now(UTC),
        "learner_id": record.learner_id,
        "xapi_account": {"homePage": base_url, "name": record.learner_id},
        "merged_records": list(record.former_ids),
        "identities": _identities(session, record),
        "history_shared_with_programmes": _consent(session, record),
        "attempts": _attempts(session, record),
        "statements_queued_for_lrs": [json.loads(body) for body in queued],
        "statements_in_embedded_lrs": _lrs_statements(engine, base_url, record),
    }
    return _plain(document)


def summary_markdown(document: dict) -> str:
    """Return a readable summary of an export document."""
    lines = [
        "# What leadpath holds about you",
        "",
        f"Exported {document['exported_at'][:16].replace('T', ' ')} UTC. Your learner id is "
        f"`{document['learner_id']}`; learning record stores know you by that id under "
        f"{document['xapi_account']['homePage']}.",
        "",
        "## Your accounts",
    ]
    for identity in document["identities"]:
        name = identity["name"] or " ".join(
            p for p in (identity["given_name"], identity["family_name"]) if p
        )
        lines.append(
            f"- {identity['platform']}: {name or 'no name sent'}, "
            f"{identity['email'] or 'no email sent'} (user id {identity['user_id']}), "
            f"{len(identity['courses'])} course(s)"
        )
    lines += ["", "## Your assessments"]
    for attempt in document["attempts"]:
        score = "" if attempt["score"] is None else f", overall score {attempt['score']:.2f}"
        lines.append(
            f"- {attempt['kind']} assessment ({attempt['framework']} {attempt['framework_version']}"
            f"), {attempt['status']}, started {attempt['started_at'][:10]}{score}; "
            f"{len(attempt['answers'])} element answer(s)"
            + (", validated by a supervisor" if attempt["validation"] else "")
        )
    if not document["attempts"]:
        lines.append("- none")
    lines += [
        "",
        "## Your learning record",
        f"- {len(document['statements_in_embedded_lrs'])} statement(s) in leadpath's learning "
        "record store",
        f"- {len(document['statements_queued_for_lrs'])} statement(s) queued for learning record "
        "stores",
        "",
        "The JSON file beside this summary holds every item in full.",
        "",
    ]
    return "\n".join(lines)
