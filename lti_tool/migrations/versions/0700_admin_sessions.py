"""admin sign-in: server-side sessions and wrong-password counters

Revision ID: 0700
Revises: 0001
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0700"
down_revision = "0001"
branch_labels = ("admin",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_admin_session_username", "admin_session", ["username"])
    op.create_index("ix_admin_session_expires_at", "admin_session", ["expires_at"])
    op.create_table(
        "admin_sign_in_failure",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("admin_sign_in_failure")
    op.drop_index("ix_admin_session_expires_at", table_name="admin_session")
    op.drop_index("ix_admin_session_username", table_name="admin_session")
    op.drop_table("admin_session")
