"""Benchmark of the programme view: 2,000 trainees, 1 M statements in the embedded LRS.

Builds a fresh database (SQLite file, or a PostgreSQL database made for the run), migrates it,
seeds a programme's trainees across 3 platforms and 4 years (identities, memberships,
self-assessments with stored results, sign-offs, 360s) in leadpath's tables, stores N
statements in the embedded LRS through its own `store_statements`, then times `GET /programme`
in-process (WSGI test client: server time, no network) for the programme lead.

    .venv/bin/python bench/programme.py --db sqlite --learners 2000 --statements 1000000
    .venv/bin/python bench/programme.py --db postgresql --learners 2000 --statements 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("LEADPATH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
BASE = "https://leadpath.bench.example"
PLATFORMS = [
    ("https://vle.northbridge.ac.uk", "University of Northbridge"),
    ("https://learn.riverside.nhs.uk", "Riverside Hospitals NHS Trust"),
    ("https://lms.south-deanery.nhs.uk", "South Deanery"),
]
PHASES = ["medical-student", "f1", "f2", "core-training"]


def make_database(kind: str) -> tuple[str, callable]:
    """Return a fresh database URL and a function that drops it."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="leadpath-bench-")
        return f"sqlite:///{folder}/leadpath.db", lambda: shutil.rmtree(folder)
    import psycopg

    name = "leadpath_bench_" + secrets.token_hex(4)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, drop


def result_for(framework, rng: random.Random, phase: str) -> tuple[dict, float]:
    """Return a stored result shaped like leadpath's, and its overall score."""
    from framework.phases import expected_profile

    expected = expected_profile(phase, framework=framework)
    domains, elements, total = {}, {}, []
    for domain in framework.domains[:5]:
        stages = [rng.randint(1, 4) for _ in domain.elements]
        total += stages
        want = expected.get(domain.id)
        low = min(stages)
        status = (
            None if want is None else "below" if low < want else "above" if low > want else "meets"
        )
        for element, stage in zip(domain.elements, stages, strict=True):
            elements[element.path] = {"attained": stage, "expected": want, "status": None}
        domains[domain.id] = {
            "mean": sum(stages) / len(stages),
            "minimum": low,
            "assessed": len(stages),
            "elements": len(stages),
            "expected": want,
            "status": status,
            "gap": None if want is None else low - want,
        }
    overall = round(sum(total) / len(total) / framework.max_stage, 4)
    return {"overall": overall, "career_phase": phase, "max_stage": framework.max_stage,
            "success": all(d["status"] != "below" for d in domains.values()),
            "elements": elements, "domains": domains}, overall  # fmt: skip


def seed(app, learners: int, rng: random.Random) -> str:
    """Seed the programme and its trainees; return the lead's launch token."""
    from sqlalchemy import insert

    from lti_tool.assess.framework_versions import current_version, framework_of, store_bundled_once
    from lti_tool.assess.models import Attempt, Validation
    from lti_tool.lti.records import hash_token
    from lti_tool.lti.registry import add_platform
    from lti_tool.models import Course, LaunchSession, Learner, Membership, PlatformUser
    from lti_tool.programmes import service

    db = app.extensions["leadpath.db"]
    now = datetime.now(UTC)
    store_bundled_once(db)
    with db.transaction() as session:
        for issuer, name in PLATFORMS:
            add_platform(session, issuer=issuer, client_id="c", deployment_ids=["1"],
                         auth_login_url=issuer + "/auth", auth_token_url=issuer + "/token",
                         key_set_url=issuer + "/jwks", name=name)  # fmt: skip
        version = current_version(session, "lf-2011")
        framework = framework_of(version)
        service.add(session, "south-fy", "South Foundation School")
        for issuer, _ in PLATFORMS[1:]:
            service.add_scope(session, "south-fy", issuer)
        service.grant(session, "south-fy", PLATFORMS[2][0], "tpd")
    courses, course_ids = [], {}
    for p, (issuer, _) in enumerate(PLATFORMS):
        for year in range(4):
            for n in range(5):
                context = f"{PHASES[p + (1 if p else 0)] if p < 3 else 'x'}-{2023 + year}-{n}"
                courses.append({"issuer": issuer, "deployment_id": "1", "context_id": context,
                                "title": f"{context} leadership", "created_at": now})  # fmt: skip
    with db.transaction() as session:
        session.execute(insert(Course), courses)
        for course in session.query(Course):
            course_ids.setdefault(course.issuer, []).append(course.id)
    learner_rows, users, memberships, attempts, validations = [], [], [], [], []
    user_id = 0
    for n in range(learners):
        learner_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        learner_rows.append({"id": learner_id, "created_at": now})
        start = now - timedelta(days=rng.randint(30, 4 * 365))
        for p, (issuer, _) in enumerate(PLATFORMS):
            if p < 2 and rng.random() < 0.4:
                continue
            user_id += 1
            users.append({"id": user_id, "issuer": issuer, "sub": f"u{n}-{p}",
                          "learner_id": learner_id, "name": f"Trainee {n:04d}",
                          "created_at": start, "last_launch_at": now})  # fmt: skip
            course_id = rng.choice(course_ids[issuer])
            memberships.append({"platform_user_id": user_id, "course_id": course_id,
                                "roles": ["learner"], "lis_roles": [],
                                "updated_at": now})  # fmt: skip
            phase = PHASES[min(p + rng.randint(0, 1), 3)]
            for k in range(rng.randint(0, 4)):
                done = rng.random() < 0.8
                started = start + timedelta(days=90 * k + rng.randint(0, 60))
                result, overall = result_for(framework, rng, phase) if done else (None, None)
                attempt_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                attempts.append({
                    "id": attempt_id, "kind": "self" if rng.random() < 0.85 else "360",
                    "learner_id": learner_id, "platform_user_id": user_id, "course_id": course_id,
                    "framework_version_id": version.id, "career_phase": phase,
                    "status": "completed" if done else "in_progress", "revision": 1,
                    "started_at": started, "updated_at": started,
                    "completed_at": started + timedelta(hours=1) if done else None,
                    "score": overall, "result": result,
                })  # fmt: skip
                if done and rng.random() < 0.6:
                    validations.append({"attempt_id": attempt_id, "supervisor_id": user_id,
                                        "created_at": started,
                                        "signed_off_at": started + timedelta(days=7)})  # fmt: skip
    with db.transaction() as session:
        for table, rows in ((Learner, learner_rows), (PlatformUser, users),
                            (Membership, memberships), (Attempt, attempts),
                            (Validation, validations)):  # fmt: skip
            for i in range(0, len(rows), 2000):
                session.execute(insert(table), rows[i : i + 2000])
        lead = PlatformUser(
            id=user_id + 1, issuer=PLATFORMS[2][0], sub="tpd", learner_id=learner_rows[0]["id"]
        )
        session.add(lead)
        session.flush()
        token = secrets.token_urlsafe(32)
        session.add(LaunchSession(token_hash=hash_token(token), platform_user_id=lead.id,
                                  roles=["instructor"], claims={},
                                  expires_at=now + timedelta(hours=8)))  # fmt: skip
    print(f"seeded {learners} learners, {len(users)} identities, {len(attempts)} attempts, "
          f"{len(validations)} sign-offs", flush=True)  # fmt: skip
    return token


def fill_lrs(app, count: int, learners: int, batch: int) -> None:
    """Store `count` statements in the embedded LRS through its own write path."""
    from xapi.lrs.store import store_statements

    sys.path.insert(0, str(ROOT / "bench"))
    import lrs as lrs_bench

    lrs_bench.LEARNERS = learners
    generator = lrs_bench.Generator()
    engine = app.extensions["leadpath.db"].engine
    authority = {"objectType": "Agent", "account": {"homePage": BASE, "name": "bench"}}
    began, stored = time.perf_counter(), 0
    while stored < count:
        n = min(batch, count - stored)
        store_statements(engine, generator.batch(n), authority=authority)
        stored += n
        if stored % 100_000 == 0:
            rate = stored / (time.perf_counter() - began)
            print(f"  {stored:,} statements stored ({rate:,.0f}/s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from lti_tool import create_app
    from lti_tool.schema import upgrade

    url, drop = make_database(args.db)
    try:
        upgrade(url)
        data_dir = tempfile.mkdtemp(prefix="leadpath-bench-data-")
        cleanup = drop
        drop = lambda: (cleanup(), shutil.rmtree(data_dir))  # noqa: E731
        app = create_app({"database_url": url, "data_dir": data_dir, "base_url": BASE,
                          "secret_key": "bench-secret-key", "log_level": "WARNING"})  # fmt: skip
        rng = random.Random(12)
        token = seed(app, args.learners, rng)
        began = time.perf_counter()
        fill_lrs(app, args.statements, args.learners, args.batch)
        print(f"stored {args.statements:,} statements in {time.perf_counter() - began:.0f} s")
        client = app.test_client()
        timings, cpu = [], []
        for run in range(args.runs + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(f"/programme?ls={token}")
            elapsed, used = time.perf_counter() - t0, time.process_time() - c0
            assert response.status_code == 200, response.status_code
            if run:  # the first request warms caches (framework parsing, connections)
                timings.append(elapsed)
                cpu.append(used)
        body = response.get_data(as_text=True)
        trainees = body.count("data-trainee=")
        print(f"{platform.node()} · Python {platform.python_version()} · {args.db} · "
              f"{args.learners} learners ({trainees} trainees shown) · "
              f"{args.statements:,} statements")  # fmt: skip
        print(f"GET /programme: median {statistics.median(timings) * 1000:.0f} ms, "
              f"max {max(timings) * 1000:.0f} ms over {len(timings)} requests; "
              f"app CPU median {statistics.median(cpu) * 1000:.0f} ms")  # fmt: skip
        app.extensions["leadpath.db"].engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
