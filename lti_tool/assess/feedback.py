"""360 feedback: the learner's self rating, one-time rater invitations and rater answers.

A rater needs no LMS account: an invitation is a random token that leadpath emails to the
rater (`feedback_mail`) and never shows the learner; only its SHA-256 is stored. Raters and
the learner give one stage (0..max) per element; `feedback_report` sets self against others.
Withdrawing an invitation ends it at its creation time, so a withdrawn invitation is one whose
`expires_at` is not after its `created_at`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from framework.grades import in_scope_domains
from lti_tool import recording as lrs
from lti_tool.assess import feedback_importance as importance
from lti_tool.assess.feedback_mail import withdraw_mail
from lti_tool.assess.feedback_steps import new_steps
from lti_tool.assess.framework_versions import current_version, framework_of
from lti_tool.assess.models import (
    COMPLETED,
    FEEDBACK_360,
    Attempt,
    ElementResponse,
    FeedbackInvitation,
    FeedbackRelease,
    FeedbackResponse,
)
from lti_tool.assess.results import overrides_of
from lti_tool.assess.stage_forms import (
    domains_in_scope,
    element_paths,
    invalid,
    read_comment,
    read_stages,
)
from lti_tool.assess.statement_context import attempt_context, element_event, queue_for_attempt
from lti_tool.errors import UserFacingError
from lti_tool.models import LaunchSession, PlatformUser, ResourceLink, utcnow
from xapi import statements as xs

INVITATION_DAYS = 21
GROUP_TITLES = {
    "line-manager": "Line manager",
    "peer": "Peer",
    "direct-report": "Direct report",
    "other": "Other",
}
MAX_PLACES = 12  # invitations per rater group, withdrawn ones included
GROUP_PLACES = {"line-manager": 2}
RATER_ROLES = {
    "line-manager": "their line manager",
    "peer": "a peer",
    "direct-report": "someone who reports to them",
    "other": "a colleague",
}


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_framework(session: Session, launch: LaunchSession):
    """Return the framework version and domain ids the launch's resource link asks for.

    Without a `domains` parameter the 360 covers the rated domains in scope at the link's
    career phase (`framework.grades.in_scope_domains`): the LF's senior domains only where
    the phase expects a stage in them, and no reflection domain (a 360 rates, it does not
    ask for writing).
    """
    custom = (launch.resource_link.custom if launch.resource_link else None) or {}
    framework_id = custom.get("framework") or lrs.DEFAULT_FRAMEWORK
    version = current_version(session, framework_id)
    if version is None:
        raise UserFacingError(
            f"This activity asks for the framework '{framework_id}', which leadpath does not have.",
            hint="Ask the course's instructor to correct the activity's 'framework' parameter.",
            code="unknown_framework",
        )
    framework = framework_of(version)
    wanted = [d.strip() for d in (custom.get("domains") or "").split(",") if d.strip()]
    unknown = [d for d in wanted if d not in {x.id for x in framework.domains}]
    if unknown:
        raise UserFacingError(
            f"This activity names domains the framework does not have: {', '.join(unknown)}.",
            hint="Ask the course's instructor to correct the activity's 'domains' parameter.",
            code="unknown_domain",
        )
    return version, wanted or _default_scope(session, launch, framework, custom)


def _default_scope(session: Session, launch: LaunchSession, framework, custom) -> list[str]:
    phase = custom.get("career_phase") or None  # checked with the activity (`offer`)
    overrides = overrides_of(session, launch.platform_user.issuer)
    in_scope = in_scope_domains(framework, phase, overrides)
    return [d.id for d in framework.domains if d.id in in_scope and d.is_rated]


def current_360(session: Session, launch: LaunchSession, *, lock=False) -> Attempt | None:
    """Return the learner's 360 at the launch's resource link, if they began one."""
    query = (
        select(Attempt)
        .where(
            Attempt.kind == FEEDBACK_360,
            Attempt.learner_id == launch.platform_user.learner_id,
            Attempt.resource_link_id == launch.resource_link_id,
        )
        .order_by(Attempt.started_at.desc())
        .limit(1)
    )
    return session.scalar(query.with_for_update() if lock else query)


def _launch_ctx(launch: LaunchSession, attempt: Attempt) -> xs.LaunchContext:
    version = attempt.framework_version
    return lrs.launch_context(
        launch,
        framework_id=version.framework_id,
        framework_version=version.version,
        framework_title=version.title,
        career_phase=attempt.career_phase,
    )


def ensure_360(session: Session, launch: LaunchSession) -> Attempt:
    """Return the learner's 360 at this link, beginning one (and saying so) when missing."""
    attempt = current_360(session, launch, lock=True)
    if attempt is not None:
        return attempt
    version, domains = link_framework(session, launch)
    custom = (launch.resource_link.custom if launch.resource_link else None) or {}
    attempt = Attempt(
        kind=FEEDBACK_360,
        learner_id=launch.platform_user.learner_id,
        platform_user_id=launch.platform_user_id,
        resource_link_id=launch.resource_link_id,
        course_id=launch.course_id,
        framework_version_id=version.id,
        framework_version=version,
        career_phase=custom.get("career_phase"),
        domains=domains,
    )
    session.add(attempt)
    session.flush()
    event = xs.AttemptEvent(attempt_id=attempt.id, assessment_title="360 feedback")
    lrs.queue(session, launch, [xs.build_initialized(_launch_ctx(launch, attempt), event)])
    return attempt


def save_self_domain(session: Session, launch: LaunchSession, domain_id: str, form) -> Attempt:
    """Store the learner's own stage per element of one domain, in the caller's transaction."""
    attempt = ensure_360(session, launch)
    framework = framework_of(attempt.framework_version)
    scope = domains_in_scope(framework, attempt.domains)
    if domain_id not in {d.id for d in scope} or form.get("domain") != domain_id:
        raise invalid("The form names a domain that is not part of this assessment.")
    if attempt.status == COMPLETED:
        raise invalid("Your self rating is already complete.", status=409)
    if form.get("revision") != str(attempt.revision):
        raise invalid(
            "This page was already submitted, or changed in another window.",
            hint="Open your 360 feedback page again to see what is saved.",
            status=409,
        )
    paths = [e.path for e in framework.domain(domain_id).elements]
    stages = read_stages(form, framework, paths, required=True)
    asked = [d for d in importance.asked(framework, attempt.domains) if d.id == domain_id]
    if asked:
        attempt.importance = {
            **(attempt.importance or {}),
            **importance.read(form, framework, asked),
        }
    existing = {r.element_path: r for r in attempt.responses}
    ctx, base = _launch_ctx(launch, attempt), current_app.config["LEADPATH"].base_url
    statements = []
    for path, stage in stages.items():
        row = existing.get(path)
        if row is None:
            attempt.responses.append(ElementResponse(element_path=path, ratings={}))
            row = attempt.responses[-1]
        row.picked_stage, row.updated_at = stage, utcnow()
        event = xs.Answered(
            **element_event(base, framework, attempt, path), ratings={}, stage=stage
        )
        statements.append(xs.build_answered(ctx, event))
    attempt.revision += 1
    attempt.current_domain = domain_id
    attempt.updated_at = utcnow()
    answered = set(existing) | set(stages)
    if all(p in answered for p in element_paths(framework, attempt.domains)):
        attempt.status, attempt.completed_at = COMPLETED, utcnow()
    lrs.queue(session, launch, statements)
    return attempt


def own_addresses(session: Session, launch: LaunchSession) -> set[str]:
    """Return the learner's own email addresses from every platform's launch claims."""
    learner_id = launch.platform_user.learner_id
    found = session.scalars(
        select(PlatformUser.email).where(
            PlatformUser.learner_id == learner_id, PlatformUser.email.is_not(None)
        )
    ).all()
    claimed = (launch.claims or {}).get("email")
    addresses = [*found, claimed if isinstance(claimed, str) else None]
    return {a.strip().lower() for a in addresses if a and a.strip()}


def create_invitation(session: Session, launch: LaunchSession, form) -> tuple:
    """Create one rater invitation; return it with its token, which is never stored.

    The token goes only into the invitation email (`feedback_mail`), never to the learner.
    """
    group = form.get("rater_group") or ""
    if group not in GROUP_TITLES:
        raise invalid("Choose the rater's group: line manager, peer, direct report or other.")
    email = (form.get("email") or "").strip()
    if not email or bad_email(email):
        raise invalid("Enter the rater's email address: leadpath emails them their link.")
    if email.lower() in own_addresses(session, launch):
        raise invalid(
            "That is your own email address: a 360 asks other people for their view.",
            hint="Enter a colleague's email address.",
        )
    attempt = ensure_360(session, launch)
    count = session.scalar(
        select(func.count())
        .select_from(FeedbackInvitation)
        .where(FeedbackInvitation.attempt_id == attempt.id)
    )
    if form.get("invited") != str(count):
        raise invalid(
            "This invitation was already created (the form was sent twice).",
            hint="Your invitations are listed on your 360 feedback page.",
            status=409,
        )
    _refuse_a_second_place(session, attempt, group, email)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = FeedbackInvitation(
        attempt_id=attempt.id,
        rater_group=group,
        email=email,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def _refuse_a_second_place(session: Session, attempt: Attempt, group: str, email: str) -> None:
    """Refuse an address invited before, and a group whose places are used up (400).

    Withdrawn invitations keep their address and their place: a learner cannot replace a
    rater, or invite one person twice, to find out from the figures who answered.
    """
    rows = session.execute(
        select(FeedbackInvitation.email, FeedbackInvitation.rater_group).where(
            FeedbackInvitation.attempt_id == attempt.id
        )
    ).all()
    if any((address or "").strip().lower() == email.lower() for address, _ in rows):
        raise invalid(
            "You have already invited that address: each person can be invited once per 360, "
            "in one group, even after an invitation is withdrawn.",
            hint="Invite a different colleague.",
        )
    places = GROUP_PLACES.get(group, MAX_PLACES)
    if sum(1 for _, g in rows if g == group) >= places:
        raise invalid(
            f"You have used all {places} invitations for the {GROUP_TITLES[group].lower()} "
            "group: withdrawn invitations keep their place.",
            hint="A 360 cannot replace raters, so that no one can find out who answered.",
        )


def bad_email(email: str | None) -> bool:
    """Return True for an address that cannot be one (empty is allowed)."""
    if not email:
        return False
    local, _, domain = email.rpartition("@")
    return len(email) > 320 or not local or "." not in domain or any(c.isspace() for c in email)


def invitation_state(invitation: FeedbackInvitation) -> str:
    """Return 'submitted', 'revoked', 'expired' or 'open' (for the rater, never the learner)."""
    if invitation.submitted_at is not None:
        return "submitted"
    if withdrawn(invitation):
        return "revoked"
    return "expired" if invitation.expires_at <= utcnow() else "open"


def withdrawn(invitation: FeedbackInvitation) -> bool:
    """Return True once the learner withdrew the invitation (answered or not)."""
    return invitation.expires_at <= invitation.created_at


def revoke_invitation(session: Session, launch: LaunchSession, invitation_id: str) -> None:
    """Withdraw one of the learner's invitations now.

    The answer is the same whether or not the rater has answered, so withdrawing never tells
    the learner who answered; an answer already given is kept.
    """
    attempt = current_360(session, launch)
    invitation = session.get(FeedbackInvitation, invitation_id)
    if attempt is None or invitation is None or invitation.attempt_id != attempt.id:
        raise UserFacingError(
            "There is no such invitation.", code="not_found", status=404, title="Not found"
        )
    if withdrawn(invitation):
        raise invalid("This invitation is already withdrawn.", status=409)
    invitation.expires_at = invitation.created_at
    withdraw_mail(session, invitation.id)


def facilitated(session: Session, attempt: Attempt) -> bool:
    """Return True when the activity releases reports through a facilitator.

    The activity's custom parameter `feedback_release=facilitated` asks for it: the learner
    sees their report only once a facilitator releases it after a feedback conversation.
    """
    link = session.get(ResourceLink, attempt.resource_link_id) if attempt.resource_link_id else None
    return ((link.custom if link else None) or {}).get("feedback_release") == "facilitated"


def release_state(session: Session, attempt: Attempt) -> dict:
    """Return whether the report waits for a facilitator, and when it was released."""
    release = session.get(FeedbackRelease, attempt.id)
    return {
        "facilitated": facilitated(session, attempt),
        "released_at": release.released_at if release else None,
    }


def release_report(session: Session, launch: LaunchSession, attempt: Attempt, form) -> None:
    """Record a facilitator's release of the report, after the feedback conversation."""
    if not facilitated(session, attempt):
        raise invalid("This activity shows reports to learners without a release.", status=409)
    if form.get("conversation") != "held":
        raise invalid(
            "Confirm that you have had the feedback conversation before releasing the report.",
            hint="Tick the box, then release the report.",
        )
    if session.get(FeedbackRelease, attempt.id) is not None:
        raise invalid("This report is already released.", status=409)
    session.add(FeedbackRelease(attempt_id=attempt.id, released_by=launch.platform_user_id))


def gone(state: str) -> UserFacingError:
    """Return the 410 for an invitation that was submitted, revoked or has expired."""
    details = {
        "submitted": "Your feedback has already been submitted with this link. Thank you.",
        "revoked": "This feedback link was withdrawn by the person who sent it.",
        "expired": "This feedback link has expired.",
    }
    return UserFacingError(
        details[state],
        hint="If you still want to give feedback, ask the person who invited you for a new link.",
        code=f"invitation_{state}",
        status=410,
        title="This feedback link can no longer be used",
    )


def open_invitation(session: Session, token: str, *, lock: bool = False):
    """Return the usable invitation for a token and its attempt, or refuse (404, 410)."""
    query = select(FeedbackInvitation).where(FeedbackInvitation.token_hash == hash_token(token))
    invitation = session.scalar(query.with_for_update() if lock else query)
    if invitation is None:
        raise UserFacingError(
            "This feedback link is not valid.",
            hint="Check that the whole link was copied, or ask for a new one.",
            code="invitation_unknown",
            status=404,
            title="Feedback link not found",
        )
    state = invitation_state(invitation)
    if state != "open":
        raise gone(state)
    return invitation, session.get(Attempt, invitation.attempt_id)


def learner_greeting(session: Session, attempt: Attempt) -> str:
    """Return the learner's first name, or 'a colleague' when the platform sent none."""
    user = session.get(PlatformUser, attempt.platform_user_id)
    return (user.given_name or "").strip() or "a colleague"


def submit_rating(session: Session, token: str, form) -> None:
    """Store a rater's stages and comment; queue the feedback summaries this answer releases.

    The attempt is locked so that answers of one 360 are counted one at a time: a summary of a
    group on an element is sent only when its answers reach a whole step (`feedback_steps`).
    """
    invitation, attempt = open_invitation(session, token, lock=True)
    session.scalar(select(Attempt).where(Attempt.id == attempt.id).with_for_update())
    framework = framework_of(attempt.framework_version)
    stages = read_stages(form, framework, element_paths(framework, attempt.domains), required=False)
    given = {p: s for p, s in stages.items() if s is not None}
    if not given:
        raise invalid("Rate at least one element before sending your feedback.")
    comment = read_comment(form)
    asked = importance.asked(framework, attempt.domains)
    now = utcnow()
    response = FeedbackResponse(
        invitation_id=invitation.id,
        ratings=given,
        comments={"overall": comment} if comment else None,
        importance=importance.read(form, framework, asked) if asked else None,
        submitted_at=now,
    )
    session.add(response)
    invitation.submitted_at = now
    session.flush()
    queue_summaries(session, attempt, framework, (invitation, response))


def queue_summaries(session: Session, attempt: Attempt, framework, newest) -> None:
    """Queue a `received feedback summary` per element whose group reaches a whole step."""
    answers = session.execute(
        select(FeedbackInvitation, FeedbackResponse)
        .join(FeedbackResponse, FeedbackResponse.invitation_id == FeedbackInvitation.id)
        .where(
            FeedbackInvitation.attempt_id == attempt.id,
            FeedbackInvitation.rater_group == newest[0].rater_group,
        )
    ).all()
    step = current_app.config["LEADPATH"].feedback_min_raters
    released = new_steps(answers, newest, step)
    if not released:
        return
    ctx, base = attempt_context(session, attempt), current_app.config["LEADPATH"].base_url
    statements = [
        xs.build_feedback_summary(
            ctx,
            xs.FeedbackSummary(
                **element_event(base, framework, attempt, path),
                rater_group=newest[0].rater_group,
                mean_stage=round(sum(values) / len(values), 4),
                raters=len(values),
            ),
        )
        for path, values in released.items()
    ]
    queue_for_attempt(session, attempt, statements)
