"""audit record of learner erasures (without personal data)

Revision ID: 0730
Revises: 0001
Create Date: 2026-12-04 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0730"
down_revision = "0001"
branch_labels = ("rights",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_erasure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("learner_erasure")
