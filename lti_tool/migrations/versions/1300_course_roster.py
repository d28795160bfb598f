"""course roster fetched from the platform's Names and Role Provisioning Service

Revision ID: 1300
Revises: 0001
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1300"
down_revision = "0001"
branch_labels = ("courses",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_roster",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("course_id"),
    )
    op.create_table(
        "course_roster_member",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("given_name", sa.String(length=255), nullable=True),
        sa.Column("family_name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("course_id", "user_id"),
    )
    op.create_index(
        "ix_course_roster_member_course_id", "course_roster_member", ["course_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_course_roster_member_course_id", table_name="course_roster_member")
    op.drop_table("course_roster_member")
    op.drop_table("course_roster")
