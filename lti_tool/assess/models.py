"""Tables of the assessments: framework versions, attempts, answers, 360 feedback, validation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models import Base, new_uuid, utcnow

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
SELF = "self"
FEEDBACK_360 = "360"


class FrameworkVersion(Base):
    """One stored version of a framework definition; attempts keep the version they used."""

    __tablename__ = "framework_version"
    __table_args__ = (UniqueConstraint("framework_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(80))
    document: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))  # "bundled" or "imported"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InstitutionSetting(Base):
    """An institution's (platform issuer's) own expectations per career phase."""

    __tablename__ = "institution_setting"

    issuer: Mapped[str] = mapped_column(String(512), primary_key=True)
    phase_overrides: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """One learner's assessment (self or 360 self-view); its id is the xAPI registration."""

    __tablename__ = "attempt"
    __table_args__ = (Index("ix_attempt_learner_started", "learner_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(16), default=SELF)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id"))
    platform_user_id: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("resource_link.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"), index=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    career_phase: Mapped[str | None] = mapped_column(String(64))
    domains: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    current_domain: Mapped[str | None] = mapped_column(String(128))
    revision: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    score: Mapped[float | None]
    result: Mapped[dict | None] = mapped_column(JSON)
    importance: Mapped[dict | None] = mapped_column(JSON)  # 360 self: {domain id: value}

    framework_version: Mapped[FrameworkVersion] = relationship()
    responses: Mapped[list[ElementResponse]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="ElementResponse.id"
    )


class ElementResponse(Base):
    """A learner's answer for one element: indicator ratings, picked stage, reflection."""

    __tablename__ = "element_response"
    __table_args__ = (UniqueConstraint("attempt_id", "element_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    element_path: Mapped[str] = mapped_column(String(255))
    ratings: Mapped[dict] = mapped_column(JSON, default=dict)
    picked_stage: Mapped[int | None]
    reflection: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempt: Mapped[Attempt] = relationship(back_populates="responses")


class FeedbackInvitation(Base):
    """A one-time link for a 360 rater, who needs no LMS account."""

    __tablename__ = "feedback_invitation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempt.id"), index=True)
    rater_group: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]


class FeedbackMail(Base):
    """An invitation email waiting to be sent over SMTP (`feedback_mail` sends it).

    Its body holds the rater's one-time link until the SMTP server accepts it; then the body
    and address are cleared. `status`: pending, sent, dead (refused for good) or withdrawn.
    """

    __tablename__ = "feedback_mail"
    __table_args__ = (Index("ix_feedback_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("feedback_invitation.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class FeedbackRelease(Base):
    """A facilitator's release of a learner's 360 report, after their feedback conversation."""

    __tablename__ = "feedback_release"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    released_by: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    released_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackResponse(Base):
    """What one rater submitted: ratings per element, importance per domain, comments."""

    __tablename__ = "feedback_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("feedback_invitation.id"), unique=True)
    ratings: Mapped[dict] = mapped_column(JSON)
    comments: Mapped[dict | None] = mapped_column(JSON)
    importance: Mapped[dict | None] = mapped_column(JSON)  # {domain id: value} (the HLM asks)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Validation(Base):
    """A supervisor's review of a completed self-assessment, signed off when done."""

    __tablename__ = "validation"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempt.id"), unique=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_off_at: Mapped[datetime | None]
    elements: Mapped[list[ValidationElement]] = relationship(
        cascade="all, delete-orphan", order_by="ValidationElement.id"
    )


class ValidationElement(Base):
    """The supervisor's confirmed or adjusted stage for one element, with a comment."""

    __tablename__ = "validation_element"
    __table_args__ = (UniqueConstraint("validation_id", "element_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    validation_id: Mapped[int] = mapped_column(ForeignKey("validation.id", ondelete="CASCADE"))
    element_path: Mapped[str] = mapped_column(String(255))
    learner_stage: Mapped[int | None]
    confirmed_stage: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
