"""feedback release: a facilitator releases a learner's 360 report after a conversation

Revision ID: 1001
Revises: 1000
Create Date: 2026-12-04 20:35:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1001"
down_revision = "1000"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_release",
        sa.Column("attempt_id", sa.String(length=36), nullable=False),
        sa.Column("released_by", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"]),
        sa.ForeignKeyConstraint(["released_by"], ["platform_user.id"]),
        sa.PrimaryKeyConstraint("attempt_id"),
    )


def downgrade() -> None:
    op.drop_table("feedback_release")
