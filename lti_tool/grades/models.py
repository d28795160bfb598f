"""The grade outbox: one row per score to publish to a platform's line item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base, utcnow

PENDING, SENT, DEAD = "pending", "sent", "dead"


class GradeScore(Base):
    """A score for (platform, line item, user), kept until the platform accepts or refuses it.

    Rows of one lane (the same platform, line item and user) are sent in id order: a row waits
    while an older row of its lane is pending. The platform id is not a foreign key, so
    removing a registration never drops a score silently; the row waits, with the error shown.
    """

    __tablename__ = "grade_score"
    __table_args__ = (
        Index("ix_grade_score_due", "status", "next_attempt_at"),
        Index("ix_grade_score_lane", "lane", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(index=True)
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    # The line item's URL; empty until leadpath has found or made the column in `line_item`.
    lineitem: Mapped[str] = mapped_column(String(2048))
    # The gradebook column leadpath makes when the platform gave only its `lineitems` URL:
    # {"lineitems", "resourceId", "resourceLinkId", "label", "scoreMaximum", "tag"}.
    line_item: Mapped[dict | None]
    user_id: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str] = mapped_column(String(64))
    attempt_id: Mapped[str | None] = mapped_column(String(36), index=True)
    body: Mapped[dict]
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None]
    response_text: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]


class GradeLineItem(Base):
    """A gradebook column leadpath made (or found) in a platform's line item container.

    One row per (platform, container URL, resourceId), keyed by their hash. `lineitem` is
    empty while a sender is making the column (`creating_until`): others wait, so a column is
    made once even with several senders; a sender that died leaves the claim to expire, and
    the next one looks the column up by resourceId before making another.
    """

    __tablename__ = "grade_line_item"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(index=True)
    lineitems: Mapped[str] = mapped_column(String(2048))
    resource_id: Mapped[str] = mapped_column(String(255))
    lineitem: Mapped[str | None] = mapped_column(String(2048))
    creating_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
