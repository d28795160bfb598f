"""Tables of the course roster: the members a platform's NRPS listed, and when it was asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base, utcnow


class CourseRoster(Base):
    """When a course's roster was last fetched from the platform, and what went wrong if so."""

    __tablename__ = "course_roster"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    fetched_at: Mapped[datetime | None]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    members: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class RosterMember(Base):
    """One member of a course as the platform listed it (user id = the launch's `sub`)."""

    __tablename__ = "course_roster_member"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    roles: Mapped[list] = mapped_column(default=list)
