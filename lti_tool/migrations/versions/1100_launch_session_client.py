"""launch_session: the browser a launch session belongs to

A launch session token now works only from the browser that made the launch: the session keeps
a hash of that browser's User-Agent, so a token copied out of a log or a URL is refused
elsewhere. Sessions opened before this revision have none and keep working until they expire.

Revision ID: 1100
Revises: 0001
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1100"
down_revision = "0001"
branch_labels = ("hardening",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("launch_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("launch_session", schema=None) as batch_op:
        batch_op.drop_column("client_hash")
