"""One learner across platforms: link codes, merges, unlinking, registration-number links.

A learner is known to LRSs by the tool-scoped account ``{homePage: base, name: learner id}``.
Linking re-points the other identity's platform users and attempts to the surviving learner in
one transaction, records the merge, and queues a ``linked-identity`` statement naming the
former account; statements are immutable, so earlier ones keep their former actor.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.assess.models import Attempt
from lti_tool.identity.models import (
    VIA_CODE,
    LearnerMerge,
    LinkCode,
    LinkCodeFailures,
    PlatformOption,
    ProfessionalRegistration,
)
from lti_tool.models import LaunchSession, Learner, Platform, PlatformUser, utcnow

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1
CODE_LENGTH = 10


class LinkError(ValueError):
    """A link code or link request that cannot be used; ``code`` names the reason."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class LinkPolicy:
    """How long codes live and how many wrong ones an identity may enter."""

    secret: str
    code_minutes: int = 30
    max_failures: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class Moved:
    """A platform identity that now belongs to another learner."""

    platform_user: PlatformUser
    former_learner_id: str


def format_code(raw: str) -> str:
    """Group a code as ``ABCD-EFGH-JK`` for reading aloud or typing."""
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(text: str) -> str:
    """Return the code typed by a person without spaces, hyphens or lower case."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """Return HMAC-SHA256(secret, purpose + newline + value) in hex."""
    message = f"{purpose}\n{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def issue_code(session: Session, user: PlatformUser, policy: LinkPolicy) -> tuple[str, datetime]:
    """Create a one-time link code for the user's learner (earlier unused ones stop working)."""
    now = utcnow()
    for old in session.scalars(
        select(LinkCode).where(LinkCode.learner_id == user.learner_id, LinkCode.used_at.is_(None))
    ):
        session.delete(old)
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(minutes=policy.code_minutes)
    session.add(
        LinkCode(
            code_hash=keyed_hash(policy.secret, "link-code", raw),
            learner_id=user.learner_id,
            platform_user_id=user.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return format_code(raw), expires_at


def locked_until(session: Session, user: PlatformUser) -> datetime | None:
    """Return when the user may enter codes again, if they are locked out now."""
    row = session.get(LinkCodeFailures, user.id)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        return row.locked_until
    return None


def _failures_row(session: Session, user_id: int, now: datetime) -> LinkCodeFailures:
    """Return the user's failure counter, locked; made first if missing, even by many at once."""
    values = {"platform_user_id": user_id, "failures": 0, "window_started_at": now}
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    session.execute(dialect.insert(LinkCodeFailures).values(values).on_conflict_do_nothing())
    return session.scalars(
        select(LinkCodeFailures)
        .where(LinkCodeFailures.platform_user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def record_failure(session: Session, user_id: int, policy: LinkPolicy) -> datetime | None:
    """Count a wrong code; return the lockout end once the limit is reached."""
    now = utcnow()
    row = _failures_row(session, user_id, now)
    window = timedelta(minutes=policy.lockout_minutes)
    if row.window_started_at + window < now or (row.locked_until and row.locked_until <= now):
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= policy.max_failures:
        row.locked_until = now + window
    return row.locked_until


def redeem_code(session: Session, user: PlatformUser, text: str, policy: LinkPolicy) -> list[Moved]:
    """Join the user's learner to the learner that issued the code; return what moved."""
    raw = normalise_code(text)
    if len(raw) != CODE_LENGTH:
        raise LinkError("code_malformed", f"A link code has {CODE_LENGTH} letters and digits.")
    code = session.scalar(
        select(LinkCode)
        .where(LinkCode.code_hash == keyed_hash(policy.secret, "link-code", raw))
        .with_for_update()
    )
    if code is None:
        raise LinkError("code_unknown", "That link code is not right.")
    if code.used_at is not None:
        raise LinkError("code_used", "That link code has already been used.", status=410)
    if code.expires_at <= utcnow():
        raise LinkError("code_expired", "That link code has expired.", status=410)
    keep = surviving_learner(session, code.learner_id)
    if keep == user.learner_id:
        raise LinkError("already_linked", "This account is already part of that record.", 409)
    code.used_at = utcnow()
    code.used_by_platform_user_id = user.id
    failures = session.get(LinkCodeFailures, user.id)
    if failures is not None:
        session.delete(failures)
    return merge_learners(session, keep=keep, gone=user.learner_id, via=VIA_CODE)


def surviving_learner(session: Session, learner_id: str) -> str:
    """Return the learner a (possibly merged) learner id now belongs to."""
    merge = session.get(LearnerMerge, learner_id)
    return merge.learner_id if merge is not None else learner_id


def merge_learners(session: Session, *, keep: str, gone: str, via: str) -> list[Moved]:
    """Move every identity and attempt of learner `gone` to learner `keep`."""
    moved = [
        Moved(user, gone)
        for user in session.scalars(
            select(PlatformUser).where(PlatformUser.learner_id == gone).order_by(PlatformUser.id)
        )
    ]
    for item in moved:
        item.platform_user.learner_id = keep
    session.execute(update(Attempt).where(Attempt.learner_id == gone).values(learner_id=keep))
    session.execute(
        update(LearnerMerge).where(LearnerMerge.learner_id == gone).values(learner_id=keep)
    )
    for code in session.scalars(
        select(LinkCode).where(LinkCode.learner_id == gone, LinkCode.used_at.is_(None))
    ):
        session.delete(code)
    session.add(LearnerMerge(former_learner_id=gone, learner_id=keep, via=via))
    session.flush()
    return moved


def unlink(session: Session, current: PlatformUser, identity_id: int) -> PlatformUser:
    """Give another identity of the current learner a learner of its own, with its attempts."""
    other = session.get(PlatformUser, identity_id)
    if other is None or other.learner_id != current.learner_id:
        raise LinkError("not_linked", "That account is not linked to your record.", 404)
    if other.id == current.id:
        raise LinkError(
            "unlink_current",
            "You cannot unlink the account you are using now; open leadpath from the other "
            "platform to unlink this one.",
        )
    learner = Learner()
    session.add(learner)
    session.flush()
    other.learner_id = learner.id
    session.execute(
        update(Attempt)
        .where(Attempt.platform_user_id == other.id, Attempt.learner_id == current.learner_id)
        .values(learner_id=learner.id)
    )
    registration = session.get(ProfessionalRegistration, other.id)
    if registration is not None:
        registration.auto_link = False
    session.flush()
    return other


def identities(session: Session, learner_id: str) -> list[PlatformUser]:
    """Return every platform identity of a learner, oldest first."""
    return list(
        session.scalars(
            select(PlatformUser)
            .where(PlatformUser.learner_id == learner_id)
            .order_by(PlatformUser.created_at, PlatformUser.id)
        )
    )


def platform_names(session: Session, issuers: set[str]) -> dict[str, str]:
    """Return a display name per issuer (the registration's name, else the issuer)."""
    names = {issuer: issuer for issuer in issuers}
    for platform in session.scalars(select(Platform).where(Platform.issuer.in_(issuers))):
        if platform.name:
            names[platform.issuer] = platform.name
    return names


def launch_platform(session: Session, launch: LaunchSession) -> Platform | None:
    """Return the registration a launch came through (issuer + client id)."""
    audience = launch.claims.get("aud")
    client_id = audience if isinstance(audience, str) else (audience or [None])[0]
    return session.scalar(
        select(Platform).where(
            Platform.issuer == launch.platform_user.issuer, Platform.client_id == client_id
        )
    )


def links_by_registration_number(session: Session, platform: Platform | None) -> bool:
    """Return True when a platform registration opted in to registration-number linking."""
    if platform is None:
        return False
    option = session.get(PlatformOption, platform.id)
    return bool(option and option.link_by_registration_number)


def set_registration_linking(session: Session, platform: Platform, enabled: bool) -> None:
    """Opt a platform registration in to (or out of) registration-number linking."""
    session.flush()
    option = session.get(PlatformOption, platform.id)
    if option is None:
        option = PlatformOption(platform_id=platform.id)
        session.add(option)
    option.link_by_registration_number = enabled
