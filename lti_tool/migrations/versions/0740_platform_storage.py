"""launch state: the platform frame of a login that uses LTI Platform Storage

A login started with `lti_storage_target` keeps its state and nonce in the platform's frame
instead of a cookie; the launch asks that frame, so the login remembers its name.

Revision ID: 0740
Revises: 0001
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0740"
down_revision = "0001"
branch_labels = ("lti_advantage",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("launch_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_target", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("launch_state", schema=None) as batch_op:
        batch_op.drop_column("storage_target")
