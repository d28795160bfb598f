"""Liveness and readiness: a probe tells a live process from one that can serve."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from lti_tool import schema
from tests.support.services import migrated_database


def test_liveness_and_readiness_answer_200_on_a_migrated_database(client):
    live = client.get("/healthz/live")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "database": "ok", "schema": "current"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_an_unreachable_database_is_live_but_not_ready(make_app):
    app = make_app(database_url="postgresql://nobody@127.0.0.1:1/none")
    probe = app.test_client()
    assert probe.get("/healthz/live").status_code == 200
    ready = probe.get("/healthz/ready")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_a_database_missing_a_migration_is_not_ready_until_upgraded(make_app, db_kind, tmp_path):
    with migrated_database(db_kind, tmp_path / "behind.db") as url:
        engine = create_engine(url)
        with engine.begin() as conn:  # as if the newest migration of one branch had not run
            head = sorted(schema.head_revisions())[-1]
            parent = schema._scripts().get_revision(head).down_revision
            conn.execute(
                text("UPDATE alembic_version SET version_num = :parent WHERE version_num = :head"),
                {"parent": parent, "head": head},
            )
        app = make_app(database_url=url)
        behind = app.test_client().get("/healthz/ready")
        assert behind.status_code == 503
        assert behind.get_json()["schema"] == "behind"
        assert "leadpath db upgrade" in behind.get_json()["detail"]
        assert app.test_client().get("/healthz").status_code == 200, "reachable, as documented"

        with engine.begin() as conn:  # what `leadpath db upgrade` records once it has run
            conn.execute(
                text("UPDATE alembic_version SET version_num = :head WHERE version_num = :parent"),
                {"parent": parent, "head": head},
            )
        assert app.test_client().get("/healthz/ready").status_code == 200

        with engine.begin() as conn:  # a newer release has migrated it: still ready
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))
        newer = app.test_client().get("/healthz/ready")
        assert newer.status_code == 200 and newer.get_json()["schema"] == "newer"
        engine.dispose()


def test_instances_started_together_migrate_in_turn(db_kind, tmp_path):
    import threading

    from sqlalchemy import inspect

    from tests.support.services import create_postgres_database, drop_postgres_database

    if db_kind == "postgresql":
        url, name = create_postgres_database()
    else:
        url, name = f"sqlite:///{tmp_path / 'together.db'}", None
    failures, barrier = [], threading.Barrier(3)

    def start_instance():
        barrier.wait()
        try:
            schema.upgrade(url)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    try:
        threads = [threading.Thread(target=start_instance) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert failures == []
        engine = create_engine(url)
        with engine.connect() as conn:
            assert schema.schema_state(conn) == schema.CURRENT
            assert "grade_score" in inspect(conn).get_table_names()
        engine.dispose()
    finally:
        if name:
            drop_postgres_database(name)
