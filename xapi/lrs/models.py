"""Tables of the embedded LRS.

`lrs_statement` is append-only: voiding sets `voided`, nothing is updated otherwise, and rows are
deleted only by an audited erasure. A statement's lookup keys (see `xapi.lrs.lookup_keys`) are
indexed per database:
- SQLite: `lrs_statement_key` holds one row per key, clustered by (key hash, stored, sequence)
  so every filtered query walks one index range newest-first and pages by keyset.
- PostgreSQL: `lrs_statement.lookup` holds the keys as an array under a GIN index, whose pending
  list takes a statement's keys in one write where ~10 key rows cost a heap row and a B-tree
  entry each (`bench/RESULTS.md`: PostgreSQL's CPU per batch of 100 fell by more than half);
  queries combine the keys in the index and read `ix_lrs_statement_stored` for the order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Seq = BigInteger().with_variant(Integer, "sqlite")


class LrsBase(DeclarativeBase):
    """Declarative base of the LRS tables."""


class Statement(LrsBase):
    """One stored statement, exactly as returned by `format=exact`."""

    __tablename__ = "lrs_statement"
    __table_args__ = (
        Index("ix_lrs_statement_stored", "stored_us", "seq"),
        Index("ix_lrs_statement_lookup", "lookup", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stored_us: Mapped[int] = mapped_column(BigInteger)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False)
    credential: Mapped[str | None] = mapped_column(String(64))
    key_hashes: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    # PostgreSQL only (NULL on SQLite): `lookup_keys.lookup_entries` of the keys, GIN-indexed.
    lookup: Mapped[list[int] | None] = mapped_column(
        Text().with_variant(ARRAY(BigInteger), "postgresql")
    )


class StatementKey(LrsBase):
    """One lookup key of one statement (SQLite; empty on PostgreSQL)."""

    __tablename__ = "lrs_statement_key"
    __table_args__ = {"sqlite_with_rowid": False}

    h: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    stored_us: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    direct: Mapped[bool] = mapped_column(Boolean)


class IndexMark(LrsBase):
    """The last statement sequence number whose lookup keys are indexed (one row, id 1)."""

    __tablename__ = "lrs_index_mark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)


class Attachment(LrsBase):
    """Attachment content, addressed by its SHA-2 digest."""

    __tablename__ = "lrs_attachment"

    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Activity(LrsBase):
    """The canonical definition of an Activity, as the LRS last accepted it."""

    __tablename__ = "lrs_activity"

    id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    definition: Mapped[str | None] = mapped_column(Text)


class Document(LrsBase):
    """A State, Activity Profile or Agent Profile document."""

    __tablename__ = "lrs_document"
    __table_args__ = (
        Index("ix_lrs_document_scope", "scope", "registration", "doc_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    agent_key: Mapped[str | None] = mapped_column(String(64), index=True)
    registration: Mapped[str] = mapped_column(String(36), default="")
    doc_id: Mapped[str] = mapped_column(String(2048))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated_us: Mapped[int] = mapped_column(BigInteger)


class Credential(LrsBase):
    """An LRS key: its secret is stored as a salted scrypt hash."""

    __tablename__ = "lrs_credential"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(String(512))
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Erasure(LrsBase):
    """Audit record of a data-protection erasure: who asked, when, how much; no personal data."""

    __tablename__ = "lrs_erasure"

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agent_digest: Mapped[str] = mapped_column(String(64))
    statements: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)


class AdminUser(LrsBase):
    """An LRS administrator who may sign in to the statement browser."""

    __tablename__ = "lrs_admin_user"

    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
