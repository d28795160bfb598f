"""grades: gradebook columns leadpath makes itself when a launch has lineitems but no lineitem

Revision ID: 0750
Revises: 0600
Create Date: 2026-12-10 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0750"
down_revision = "0600"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grade_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_item", sa.JSON(), nullable=True))
    op.create_table(
        "grade_line_item",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("lineitems", sa.String(length=2048), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("lineitem", sa.String(length=2048), nullable=True),
        sa.Column("creating_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("grade_line_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grade_line_item_platform_id"), ["platform_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("grade_line_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_line_item_platform_id"))
    op.drop_table("grade_line_item")
    with op.batch_alter_table("grade_score", schema=None) as batch_op:
        batch_op.drop_column("line_item")
