"""registration-number links need both people's confirmation

Revision ID: 0720
Revises: 0500
Create Date: 2026-12-04 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0720"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_link_offer",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("newcomer_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("newcomer_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["newcomer_id"], ["platform_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["holder_id"], ["platform_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("newcomer_id", "holder_id"),
    )
    op.create_index(
        "ix_registration_link_offer_newcomer_id", "registration_link_offer", ["newcomer_id"]
    )
    op.create_index(
        "ix_registration_link_offer_holder_id", "registration_link_offer", ["holder_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_registration_link_offer_holder_id", table_name="registration_link_offer")
    op.drop_index("ix_registration_link_offer_newcomer_id", table_name="registration_link_offer")
    op.drop_table("registration_link_offer")
