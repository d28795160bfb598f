"""The models and the migrations agree: a freshly migrated database is what the models describe.

Runs on the database the suite runs on (SQLite, or PostgreSQL with --db=postgresql), in a
database of its own so nothing else the suite does can hide a difference.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect

from lti_tool import schema
from tests.support.services import migrated_database


@pytest.fixture(scope="module")
def migrated_engine(db_kind, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "leadpath.db"
    with migrated_database(db_kind, path) as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


def _differences(engine, metadata) -> list:
    with engine.connect() as conn:
        opts = {
            "compare_type": True,
            "compare_server_default": True,
            "include_object": schema.for_this_database(conn.dialect.name),
        }
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, metadata)


def test_alembic_finds_no_difference_between_models_and_migrations(migrated_engine):
    metadata = schema.all_metadata()
    tables = {name for m in metadata for name in m.tables}
    assert set(inspect(migrated_engine).get_table_names()) - {"alembic_version"} == tables
    # xapi/lrs and the outbox keep their own metadata; all of them are compared.
    assert {"launch_state", "lrs_statement", "outbox_statement", "grade_score"} <= tables
    assert _differences(migrated_engine, metadata) == []


def test_a_model_the_migrations_do_not_match_is_found(migrated_engine):
    metadata = schema.all_metadata()
    launch_state = next(m for m in metadata if "launch_state" in m.tables).tables["launch_state"]
    drifted = MetaData()
    launch_state.to_metadata(drifted).append_column(Column("attempts", Integer))
    found = _differences(migrated_engine, drifted)
    added = [d for d in found if d[0] == "add_column"]
    assert [(d[2], d[3].name) for d in added] == [("launch_state", "attempts")]
