"""Prepared statements read and write the same values SQLAlchemy itself would, by public API."""

import ast
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

import lti_tool.prepared
from lti_tool.models import UTCDateTime
from lti_tool.prepared import Prepared, typed_insert


@pytest.fixture
def table(db):
    """A scratch table with types that process values (dates, JSON, booleans), dropped after."""
    metadata = MetaData()
    scratch = Table(
        f"prepared_{uuid.uuid4().hex[:8]}",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(64), unique=True),
        Column("at", UTCDateTime()),
        Column("doc", JSON),
        Column("flag", Boolean),
    )
    metadata.create_all(db.engine)
    try:
        yield scratch
    finally:
        metadata.drop_all(db.engine)


ROW = {
    "id": 1,
    "name": "first",
    "at": datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC),
    "doc": {"roles": ["Learner"], "n": 2},
    "flag": True,
}


def test_rows_written_and_read_match_sqlalchemy_s_own(db, table):
    columns = ("id", "name", "at", "doc", "flag")
    write = Prepared(typed_insert(table, columns))
    read = Prepared(
        select(*(table.c[name] for name in columns)).where(table.c.id == bindparam("id"))
    )
    assert write.execute(db.engine, ROW) == 1
    with db.engine.connect() as conn:
        assert read.first(conn, {"id": 1}) == tuple(ROW.values())
        assert tuple(conn.execute(select(table)).one()) == tuple(ROW.values())
        assert read.first(conn, {"id": 2}) is None
    with db.engine.begin() as conn:
        conn.execute(insert(table), {**ROW, "id": 2, "name": "second", "flag": False})
    with db.engine.connect() as conn:
        assert read.first(conn, {"id": 2})[1:] == ("second", ROW["at"], ROW["doc"], False)


def test_returning_columns_are_processed_like_a_select(db, table):
    Prepared(typed_insert(table, ROW)).execute(db.engine, ROW)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    touch = Prepared(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(at=bindparam("b_at", type_=table.c.at.type))
        .returning(table.c.at, table.c.doc)
    )
    with db.engine.begin() as conn:
        assert touch.first(conn, {"b_id": 1, "b_at": later}) == (later, ROW["doc"])


def test_a_driver_error_is_raised_as_sqlalchemy_s(db, table):
    write = Prepared(typed_insert(table, ROW))
    write.execute(db.engine, ROW)
    with pytest.raises(IntegrityError):
        write.execute(db.engine, {**ROW, "id": 3})


def test_a_statement_with_an_expanding_parameter_is_refused(db, table):
    many = Prepared(select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True))))
    with db.engine.connect() as conn, pytest.raises(ValueError, match="plain bindparam names"):
        many.first(conn, {"ids": [1, 2]})


def test_an_untyped_bind_parameter_is_refused_rather_than_sent_unprocessed(db, table):
    untyped = Prepared(insert(table).values({n: bindparam(n) for n in ROW}))
    with pytest.raises(ValueError, match="Give bindparam at, doc, flag, id, name a type"):
        untyped.execute(db.engine, ROW)
    with db.engine.connect() as conn:
        assert conn.execute(select(table)).all() == []


def test_prepared_uses_no_private_sqlalchemy_attribute():
    """Only public Core API, so a SQLAlchemy upgrade cannot silently change what it reads."""
    tree = ast.parse(Path(lti_tool.prepared.__file__).read_text())
    private = sorted(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    )
    assert private == []
