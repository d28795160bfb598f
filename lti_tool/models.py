"""Tables of the LTI side: platform registry, people, courses, links, launch state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Records are dated by the record clock, which the demo's seeding may move back in its own
# context; queues time their leases by the system clock (`xapi.queue.clock`).
from xapi.clock import now as utcnow


def new_uuid() -> str:
    """Return a random UUID as text."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Normalise to UTC before storing."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        """Attach UTC to naive values read back."""
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of the LTI tables."""

    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


class Platform(Base):
    """A registration of one LMS (issuer + client id) with leadpath."""

    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    key_set_url: Mapped[str | None] = mapped_column(String(1024))
    key_set: Mapped[dict | None] = mapped_column(JSON)
    # The `aud` of client assertions when it is not the token URL (Brightspace's OAuth 2
    # audience; `authorization_server` in a platform's OpenID configuration).
    token_audience: Mapped[str | None] = mapped_column(String(1024))
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "active", or "pending" until `leadpath platform approve` (LEADPATH_PLATFORM_APPROVAL).
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )


class RegistrationInvitation(Base):
    """A one-time invitation to register a platform dynamically; only its token's hash is kept."""

    __tablename__ = "registration_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # Set while a registration runs and kept once it succeeds; a failed one gives it back.
    used_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id", ondelete="SET NULL"))


class Deployment(Base):
    """A deployment id a platform may send for a registration."""

    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    platform: Mapped[Platform] = relationship(back_populates="deployments")


class Learner(Base):
    """One person across every platform identity they launch from."""

    __tablename__ = "learner"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def best_name(name: str | None, given: str | None, family: str | None) -> str:
    """Return the full name a platform sent, else given and family names joined, else ""."""
    return name or " ".join(part for part in (given, family) if part)


class PlatformUser(Base):
    """A platform identity (issuer + sub); names and email only when the platform sent them."""

    __tablename__ = "platform_user"
    __table_args__ = (UniqueConstraint("issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    sub: Mapped[str] = mapped_column(String(255))
    learner_id: Mapped[str] = mapped_column(ForeignKey("learner.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        """Return the best name the platform sent, or a neutral fallback."""
        return best_name(self.name, self.given_name, self.family_name) or "there"


class Course(Base):
    """An LTI context (usually a course) of one deployment."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("issuer", "deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(512))
    label: Mapped[str | None] = mapped_column(String(255))
    types: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceLink(Base):
    """A placement of leadpath in a course, with the custom parameters last sent for it."""

    __tablename__ = "resource_link"
    __table_args__ = (UniqueConstraint("issuer", "deployment_id", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    deployment_id: Mapped[str] = mapped_column(String(255))
    link_id: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    title: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    custom: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    course: Mapped[Course | None] = relationship()


class Membership(Base):
    """The roles a platform user holds in a course (or platform-wide without one)."""

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_user_course", "platform_user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_user_id: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    roles: Mapped[list] = mapped_column(JSON)
    lis_roles: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    platform_user: Mapped[PlatformUser] = relationship()
    course: Mapped[Course | None] = relationship()


class LaunchState(Base):
    """An OIDC login in flight: its state, the nonce it must come back with, and its expiry."""

    __tablename__ = "launch_state"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    target_link_uri: Mapped[str] = mapped_column(String(1024))
    # The platform frame holding state and nonce (LTI Platform Storage), when the login used one.
    storage_target: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class LaunchSession(Base):
    """What a successful launch grants: the user, course, link and roles, until it expires."""

    __tablename__ = "launch_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_user_id: Mapped[int] = mapped_column(ForeignKey("platform_user.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("resource_link.id"))
    roles: Mapped[list] = mapped_column(JSON)
    claims: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    client_hash: Mapped[str | None] = mapped_column(String(64))
    platform_user: Mapped[PlatformUser] = relationship()
    course: Mapped[Course | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()
