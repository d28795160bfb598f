"""retention: how many rows pruning has removed, per kind and group

Revision ID: 0900
Revises: 0001
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0900"
down_revision = "0001"
branch_labels = ("retention",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pruned_rows",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=512), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "scope"),
    )


def downgrade() -> None:
    op.drop_table("pruned_rows")
