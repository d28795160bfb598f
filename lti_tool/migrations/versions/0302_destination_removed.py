"""outbox: remember that an operator removed the embedded LRS as a destination

The embedded LRS is a destination unless turned off; `leadpath lrs destination remove --name
embedded` turns it off for good, across restarts, so its row is kept with the time of removal.

Revision ID: 0302
Revises: 0301
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0302"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_destination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_destination", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
