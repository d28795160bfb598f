"""outbox: the xAPI version each destination LRS is sent in

The forwarder reads each destination's About resource and sends statements in xAPI 2.0.0 when
offered, else 1.0.3; the version it last used is kept for `leadpath lrs destination list` and
`leadpath outbox status`.

Revision ID: 1650
Revises: 0302
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1650"
down_revision = "0302"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_destination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("xapi_version", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_destination", schema=None) as batch_op:
        batch_op.drop_column("xapi_version")
