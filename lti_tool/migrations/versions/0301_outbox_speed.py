"""outbox: drop the per-learner delivery index the forwarder no longer reads

Every delivered batch moved one entry per learner in `ix_outbox_delivery_learner` (its key
holds `status`), dirtying pages all over that index on each commit. The order-per-learner
check now reads pending rows through `ix_outbox_delivery_queue`, so nothing uses it.

Revision ID: 0301
Revises: 0300
Create Date: 2026-11-26 15:20:00
"""

from alembic import op

revision = "0301"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_delivery_learner")


def downgrade() -> None:
    with op.batch_alter_table("outbox_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_delivery_learner", ["destination_id", "learner_key", "status"], unique=False
        )
