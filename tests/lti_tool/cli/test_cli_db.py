"""`leadpath db upgrade` says what it did: created the database, upgraded it, or nothing to do."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lti_tool import schema
from lti_tool.cli import build
from tests.support.services import create_postgres_database, drop_postgres_database


@pytest.fixture
def new_database(db_kind, tmp_path):
    """The URL of a database leadpath has never migrated (with a password, on PostgreSQL)."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path}/new.db"
        return
    url, name = create_postgres_database()
    try:  # the test server trusts loopback, so the password is accepted and not checked
        yield url.replace("://postgres@", "://postgres:not-to-be-shown@")
    finally:
        drop_postgres_database(name)


def _upgrade(url: str, data_dir) -> str:
    env = {"LEADPATH_DATABASE_URL": url, "LEADPATH_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(build(), ["db", "upgrade"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _script():
    return schema.ScriptDirectory.from_config(schema.alembic_config("sqlite://"))


def _heads() -> str:
    return ", ".join(sorted(_script().get_heads()))


def test_a_new_database_is_created_then_found_up_to_date(new_database, db_kind, tmp_path):
    first = _upgrade(new_database, tmp_path)
    shown = new_database.replace("not-to-be-shown", "***")
    if db_kind == "sqlite":
        assert first == f"Created the database at {shown} (revisions {_heads()})."
    else:
        assert (
            first == f"Created leadpath's tables in the database at {shown} (revisions {_heads()})."
        )
    assert "not-to-be-shown" not in first
    assert _upgrade(new_database, tmp_path) == (
        f"The database at {shown} is up to date (revisions {_heads()})."
    )


def test_an_older_database_is_upgraded_naming_the_revisions(new_database, tmp_path):
    schema.upgrade(new_database, "0201")  # the LRS branch only, as an older leadpath left it
    said = _upgrade(new_database, tmp_path)
    assert " from revision 0201 to revisions " + _heads() in said
    assert said.startswith("Upgraded the database at ")
    every = {revision.revision for revision in _script().walk_revisions()}
    applied = sorted(every - {"0001", "0200", "0201"})
    assert "0300" in applied and "0600" in applied
    assert said.endswith(f"(applied {', '.join(applied)}).")
