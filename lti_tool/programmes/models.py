"""Tables of programmes: the programme, its scope, its leads, and trainees' consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models import Base, utcnow


class Programme(Base):
    """A training programme, known by a short name (`slug`) such as `north-foundation`."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    scopes: Mapped[list[ProgrammeScope]] = relationship(
        cascade="all, delete-orphan", order_by="ProgrammeScope.id"
    )
    leads: Mapped[list[ProgrammeLead]] = relationship(
        cascade="all, delete-orphan", order_by="ProgrammeLead.id"
    )


class ProgrammeScope(Base):
    """A platform (issuer), optionally narrowed to one deployment and one course, of a programme."""

    __tablename__ = "programme_scope"
    __table_args__ = (UniqueConstraint("programme_id", "issuer", "deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(512))
    deployment_id: Mapped[str | None] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))


class ProgrammeLead(Base):
    """A platform identity (issuer + sub) that may see a programme's view."""

    __tablename__ = "programme_lead"
    __table_args__ = (UniqueConstraint("programme_id", "issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(512))
    sub: Mapped[str] = mapped_column(String(255))
    granted_via: Mapped[str] = mapped_column(String(16))  # "cli", "admin" or "launch"
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class HistoryConsent(Base):
    """Whether a learner lets the programmes they train in see their linked history."""

    __tablename__ = "history_consent"

    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
    )
    agreed: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
