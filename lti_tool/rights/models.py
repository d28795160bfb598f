"""The audit trail of erasures: when, who asked, the reference, how much; nothing personal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models import Base, utcnow


class LearnerErasure(Base):
    """One learner erased; it names neither the learner nor any of their identities."""

    __tablename__ = "learner_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict] = mapped_column(JSON)
