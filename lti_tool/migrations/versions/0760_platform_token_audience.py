"""platform: the audience of client assertions when it is not the token URL

Brightspace, for one, expects `aud` to be its OAuth 2 audience rather than its token endpoint;
a platform's OpenID configuration names it as `authorization_server`.

Revision ID: 0760
Revises: 0740
Create Date: 2026-12-10 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0760"
down_revision = "0740"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_audience", sa.String(length=1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_column("token_audience")
