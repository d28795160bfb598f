"""programmes: scope, leads, and trainees' consent to share their linked history

Revision ID: 1301
Revises: 0001
Create Date: 2026-12-04 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1301"
down_revision = "0001"
branch_labels = ("programmes",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "programme_scope",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=512), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=True),
        sa.Column("context_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "issuer", "deployment_id", "context_id"),
    )
    op.create_index(
        "ix_programme_scope_programme_id", "programme_scope", ["programme_id"], unique=False
    )
    op.create_table(
        "programme_lead",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=512), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("granted_via", sa.String(length=16), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "issuer", "sub"),
    )
    op.create_index(
        "ix_programme_lead_programme_id", "programme_lead", ["programme_id"], unique=False
    )
    op.create_table(
        "history_consent",
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id"),
    )


def downgrade() -> None:
    op.drop_table("history_consent")
    op.drop_index("ix_programme_lead_programme_id", table_name="programme_lead")
    op.drop_table("programme_lead")
    op.drop_index("ix_programme_scope_programme_id", table_name="programme_scope")
    op.drop_table("programme_scope")
    op.drop_table("programme")
