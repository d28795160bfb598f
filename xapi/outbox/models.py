"""Outbox tables: queued statements, destination LRSs, per-destination delivery, dead letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xapi.queue.clock import utcnow

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
SequenceInt = BigInteger().with_variant(Integer, "sqlite")

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"


class OutboxBase(DeclarativeBase):
    """Declarative base of the outbox tables."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class OutboxStatement(OutboxBase):
    """One statement written in the same transaction as the state change that caused it.

    `seq` is the creation order; `routed` turns true once a delivery row exists for every
    destination the statement matches.
    """

    __tablename__ = "outbox_statement"
    __table_args__ = (Index("ix_outbox_statement_unrouted", "routed", "seq"),)

    seq: Mapped[int] = mapped_column(SequenceInt, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    body: Mapped[str] = mapped_column(Text)
    learner_key: Mapped[str] = mapped_column(String(255))
    platform_issuer: Mapped[str | None] = mapped_column(String(512))
    course_id: Mapped[str | None] = mapped_column(String(255))
    routed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Destination(OutboxBase):
    """An LRS statements are forwarded to, with its optional platform and course filters.

    Destinations from settings keep their credentials in settings (key and secret are NULL
    here); those added with `leadpath lrs destination add` keep them in this row. The embedded
    LRS's row stays after an operator removed it (`removed_at`), so it stays removed.
    `xapi_version` is the version the forwarder last sent it (from the LRS's About).
    """

    __tablename__ = "outbox_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    endpoint: Mapped[str] = mapped_column(String(1024))
    key: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str | None] = mapped_column(String(255))
    platforms: Mapped[list | None] = mapped_column(JSON)
    courses: Mapped[list | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16), default="cli")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None] = mapped_column()
    pause_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()
    xapi_version: Mapped[str | None] = mapped_column(String(16))  # negotiated through About


class Delivery(OutboxBase):
    """The state of one statement at one destination: pending, delivered or dead."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (
        UniqueConstraint("destination_id", "statement_seq"),
        Index("ix_outbox_delivery_queue", "destination_id", "status", "statement_seq"),
    )

    id: Mapped[int] = mapped_column(SequenceInt, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_destination.id", ondelete="CASCADE")
    )
    statement_seq: Mapped[int] = mapped_column(
        SequenceInt, ForeignKey("outbox_statement.seq", ondelete="CASCADE")
    )
    learner_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadLetter(OutboxBase):
    """A statement a destination refused (400), with the LRS's answer."""

    __tablename__ = "outbox_dead_letter"

    id: Mapped[int] = mapped_column(SequenceInt, primary_key=True, autoincrement=True)
    destination_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_destination.id", ondelete="CASCADE"), index=True
    )
    statement_seq: Mapped[int] = mapped_column(
        SequenceInt, ForeignKey("outbox_statement.seq", ondelete="CASCADE")
    )
    statement_id: Mapped[str] = mapped_column(String(36))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
