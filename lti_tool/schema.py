"""Every SQLAlchemy MetaData leadpath migrates, and the Alembic entry points."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

MIGRATIONS = Path(__file__).parent / "migrations"


def all_metadata() -> list[MetaData]:
    """Return the metadata of every package that owns tables."""
    import lti_tool.admin.models  # noqa: F401 - registers the admin session tables on Base
    import lti_tool.assess.models  # noqa: F401 - registers the assessment tables on Base
    import lti_tool.grades.models  # noqa: F401 - registers the grade outbox table on Base
    import lti_tool.identity.models  # noqa: F401 - registers the identity-linking tables on Base
    import lti_tool.rights.models  # noqa: F401 - registers the erasure audit table on Base
    from lti_tool.models import Base
    from xapi.lrs.models import LrsBase
    from xapi.outbox.models import OutboxBase

    return [Base.metadata, OutboxBase.metadata, LrsBase.metadata]


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config for the packaged migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Migrate the database to the newest revision of every branch (an SQLite file 0600)."""
    from lti_tool.db import protect_sqlite

    protect_sqlite(database_url)
    command.upgrade(alembic_config(database_url), revision)
    protect_sqlite(database_url)
