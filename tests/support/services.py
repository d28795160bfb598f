"""Reaching the real services tests use; skip with a reason locally, fail under CI=true."""

from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "LEADPATH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LEADPATH_TEST_REDIS", "redis://127.0.0.1:6379/0")


def unavailable(reason: str):
    """Skip the test with a visible reason, or fail it when running in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    """Return True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def create_postgres_database() -> tuple[str, str]:
    """Create a throwaway PostgreSQL database; return (its SQLAlchemy URL, its name)."""
    import psycopg

    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL is not listening on 127.0.0.1:5432")
    name = f"leadpath_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}", name


def drop_postgres_database(name: str) -> None:
    """Drop a database made by create_postgres_database, closing its connections first."""
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def redis_url() -> str:
    """Return the Redis URL for tests, or skip/fail when Redis is not running."""
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    return REDIS_URL


@contextmanager
def migrated_database(kind: str, sqlite_path):
    """Yield the URL of a freshly migrated database: SQLite at sqlite_path, or new PostgreSQL."""
    from lti_tool import schema

    if kind == "sqlite":
        url = f"sqlite:///{sqlite_path}"
        schema.upgrade(url)
        yield url
        return
    url, name = create_postgres_database()
    try:
        schema.upgrade(url)
        yield url
    finally:
        drop_postgres_database(name)
