"""lrs: PostgreSQL keeps a statement's lookup keys in the statement row, under a GIN index

`lrs_statement.lookup` holds the keys (`~h` for a direct key, `h` for a related one); on
PostgreSQL the rows of `lrs_statement_key` move into it and that table stays empty. SQLite keeps
its bulk-indexed key table and leaves the column NULL.

Revision ID: 0202
Revises: 0201
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0202"
down_revision = "0201"
branch_labels = None
depends_on = None

_MOVE_IN = """
UPDATE lrs_statement s SET lookup = k.entries
FROM (SELECT seq, array_agg(CASE WHEN direct THEN ~h ELSE h END) AS entries
      FROM lrs_statement_key GROUP BY seq) k
WHERE k.seq = s.seq
"""


def upgrade() -> None:
    lookup = sa.Text().with_variant(postgresql.ARRAY(sa.BigInteger()), "postgresql")
    with op.batch_alter_table("lrs_statement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lookup", lookup, nullable=True))
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(_MOVE_IN)
    op.execute("DELETE FROM lrs_statement_key")
    op.create_index("ix_lrs_statement_lookup", "lrs_statement", ["lookup"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("ix_lrs_statement_lookup", table_name="lrs_statement")
        # The key rows again, from each statement's own record of its keys.
        from xapi.lrs import lookup_keys

        conn = op.get_bind()
        rows = conn.exec_driver_sql("SELECT seq, stored_us, key_hashes FROM lrs_statement")
        keys = [
            {"h": h, "stored_us": stored, "seq": seq, "direct": direct}
            for seq, stored, text in rows
            for h, direct in lookup_keys.decode_keys(text).items()
        ]
        if keys:
            conn.execute(
                sa.text(
                    "INSERT INTO lrs_statement_key (h, stored_us, seq, direct) "
                    "VALUES (:h, :stored_us, :seq, :direct)"
                ),
                keys,
            )
    with op.batch_alter_table("lrs_statement", schema=None) as batch_op:
        batch_op.drop_column("lookup")
