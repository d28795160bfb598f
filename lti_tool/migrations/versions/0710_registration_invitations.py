"""dynamic registration by invitation, and platforms pending approval

Revision ID: 0710
Revises: 0001
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0710"
down_revision = "0001"
branch_labels = ("registration",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("platform") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="active", nullable=False)
        )
    op.create_table(
        "registration_invitation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("registration_invitation")
    with op.batch_alter_table("platform") as batch:
        batch.drop_column("status")
