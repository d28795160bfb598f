"""lrs: the mark up to which statements' lookup keys are indexed

On SQLite, lookup-key rows are written in bulk after the statements that carry them (see
`xapi.lrs.indexing`); `lrs_index_mark` holds the last statement sequence number indexed. Every
statement already stored is indexed, so the mark starts at the highest sequence number.

Revision ID: 0201
Revises: 0200
Create Date: 2026-11-26 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_index_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO lrs_index_mark (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM lrs_statement"
    )


def downgrade() -> None:
    op.drop_table("lrs_index_mark")
