"""Tables of identity linking: link codes, their attempt limits, merges and registration numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base, utcnow

VIA_CODE = "code"
VIA_REGISTRATION = "registration-number"


class LinkCode(Base):
    """A one-time code a learner carries from one launch to another to join the identities."""

    __tablename__ = "link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id"), index=True)
    platform_user_id: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_platform_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_user.id"))


class LinkCodeFailures(Base):
    """Wrong link codes entered by one platform identity, and how long it is locked out."""

    __tablename__ = "link_code_failures"

    platform_user_id: Mapped[int] = mapped_column(
        ForeignKey("platform_user.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]


class LearnerMerge(Base):
    """A learner record merged into another: its id is never used for new statements again."""

    __tablename__ = "learner_merge"

    former_learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id"), index=True)
    via: Mapped[str] = mapped_column(String(32))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlatformOption(Base):
    """Opt-in behaviours of one platform registration."""

    __tablename__ = "platform_option"

    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), primary_key=True
    )
    link_by_registration_number: Mapped[bool] = mapped_column(default=False)


class ProfessionalRegistration(Base):
    """A keyed hash of the registration number a platform sent for one of its users."""

    __tablename__ = "professional_registration"

    platform_user_id: Mapped[int] = mapped_column(
        ForeignKey("platform_user.id", ondelete="CASCADE"), primary_key=True
    )
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)
    auto_link: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistrationLinkOffer(Base):
    """Two identities that share a registration number: linked only when both people confirm.

    The newcomer is the identity whose platform sent the number last; the holder's learner is
    the existing record it would join. Each side confirms in a launch from its own platform.
    """

    __tablename__ = "registration_link_offer"
    __table_args__ = (UniqueConstraint("newcomer_id", "holder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(
        ForeignKey("platform_user.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("platform_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    newcomer_confirmed_at: Mapped[datetime | None]
    holder_confirmed_at: Mapped[datetime | None]
    # "open", "linked" or "declined" (a declined pair is never offered again).
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_at: Mapped[datetime | None]
