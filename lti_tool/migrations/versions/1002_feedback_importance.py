"""feedback importance: how important each dimension is to the role, in the HLM's 360

The learner's own answers are kept on their 360 attempt and each rater's with their response,
as `{domain id: value}` on the framework's importance scale.

Revision ID: 1002_importance
Revises: 1001
Create Date: 2026-12-05 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1002_importance"
down_revision = "1001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("importance", sa.JSON(), nullable=True))
    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("importance", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback_response", schema=None) as batch_op:
        batch_op.drop_column("importance")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("importance")
