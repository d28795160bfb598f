"""feedback mail: invitation emails queued with their invitation, sent over SMTP

Revision ID: 1000
Revises: 0400
Create Date: 2026-12-04 20:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1000"
down_revision = "0400"
branch_labels = ("feedback",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_mail",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invitation_id", sa.String(length=36), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=96), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["invitation_id"], ["feedback_invitation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_mail_due", "feedback_mail", ["status", "next_attempt_at"])
    op.create_index(
        op.f("ix_feedback_mail_invitation_id"), "feedback_mail", ["invitation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("feedback_mail")
