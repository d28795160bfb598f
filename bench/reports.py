"""Benchmark of the report pages: one learner's journey with a large store around it.

For each database (SQLite file, PostgreSQL): a fresh migrated database; the store filled with
`--statements` statements of other learners (a fast bulk generator: leadpath-shaped statements
— completed, assessed, verified, rated — copied from templates with new ids, actors and
registrations, stored in batches through the embedded LRS's own `store_statements`); then one
generated cohort learner followed from medical school to CPD (tests/support/cohort.py). The
journey page (`GET /journey` in a launch) is then requested through the app in process, and
its server time (the request's wall time inside the app, no network) reported as median and
95th percentile; the figures are checked against the cohort's own before timing.

    .venv/bin/python bench/reports.py --statements 1000000 [--db sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0


def filler_templates(base: str) -> list[dict]:
    """Return leadpath statements of one generated learner, to copy as other learners'."""
    from tests.support import cohort as cohort_mod

    made = cohort_mod.generate(12, seed=99)
    learner = max(made.learners, key=lambda x: len(x.episodes))
    out = []
    for e in learner.episodes:
        p = made.platforms[e.platform]

        class _Course:
            context_id, title = f"{e.phase}-fill", f"Leadership: {e.phase}"

        class _User:
            learner_id = str(uuid.uuid4())

        out += cohort_mod.episode_statements(base, p, _Course, _User, str(uuid.uuid4()), e)
    return out


def fill(engine, base: str, total: int, batch: int = 2000) -> float:
    """Store `total` statements of other learners; return the seconds it took."""
    from xapi.lrs import store_statements

    templates = filler_templates(base)
    authority = {"objectType": "Agent", "account": {"homePage": base, "name": "bench-filler"}}
    started, stored = time.perf_counter(), 0
    while stored < total:
        chunk = []
        while len(chunk) < min(batch, total - stored):
            learner, registrations = str(uuid.uuid4()), {}
            for template in templates:
                s = copy.deepcopy(template)
                s["id"] = str(uuid.uuid4())
                reg = s["context"]["registration"]
                s["context"]["registration"] = registrations.setdefault(reg, str(uuid.uuid4()))
                if s["verb"]["id"].endswith(("completed", "assessed", "asserted")):
                    s["actor"]["account"]["name"] = learner
                if "team" in s["context"]:
                    s["context"]["team"]["member"][0]["account"]["name"] = learner
                chunk.append(s)
                if len(chunk) >= min(batch, total - stored):
                    break
        store_statements(engine, chunk, authority=authority)
        stored += len(chunk)
        if stored % 100_000 < batch:
            rate = stored / (time.perf_counter() - started)
            print(f"  {stored:,} statements stored ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def measure(kind: str, statements: int, rounds: int) -> dict:
    """Fill one database and time the journey page; return the figures."""
    from lti_tool import create_app
    from tests.support import cohort as cohort_mod
    from tests.support.assess_helpers import launch_learner
    from tests.support.keys import KEYS
    from tests.support.lti_helpers import make_platform
    from tests.support.services import migrated_database

    base = "http://localhost"
    with tempfile.TemporaryDirectory() as tmp, migrated_database(kind, Path(tmp) / "b.db") as url:
        app = create_app(
            {"base_url": base, "database_url": url, "data_dir": tmp, "log_level": "WARNING",
             "secret_key": "bench-secret-key-not-for-production"}
        )  # fmt: skip
        db = app.extensions["leadpath.db"]
        fill_seconds = fill(db.engine, base, statements)
        made = cohort_mod.generate(1, seed=4)
        while len(made.learners[0].episodes) < 5 or not made.learners[0].linked:
            made = cohort_mod.generate(1, seed=int(time.time() * 1000) % 100_000)
        cohort_mod.install(made, app)
        learner = made.learners[0]
        client = app.test_client()
        with KEYS.for_one_test():
            platform = make_platform(uuid.uuid4().hex[:8]).register(db)
            token = launch_learner(client, platform, "bench-learner")
        from sqlalchemy import select

        from lti_tool.models import PlatformUser

        with db.transaction() as session:
            user = session.scalar(
                select(PlatformUser).where(PlatformUser.issuer == platform.issuer)
            )
            user.learner_id = learner.learner_ids["university"]
        expected = cohort_mod.expected_journey(made, learner, "university")
        page = client.get(f"/journey?ls={token}").get_data(as_text=True)
        assert page.count("data-kind=") == len(expected), "the journey lost entries"
        times, cpu = [], []
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.get(f"/journey?ls={token}")
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert answer.status_code == 200
        held = _count(db.engine)
        db.engine.dispose()
    times.sort()
    return {
        "db": kind,
        "statements": held,
        "fill_s": fill_seconds,
        "entries": len(expected),
        "learner_statements": cohort_mod.Cohort("x", made.platforms, [learner]).statement_count(),
        "median_ms": statistics.median(times),
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)],
        "cpu_ms": statistics.median(cpu),
    }


def _count(engine) -> int:
    from sqlalchemy import func, select

    from xapi.lrs.models import Statement

    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Statement))


def main() -> None:
    """Parse the options, run each database, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(f"{platform.platform()} · Python {platform.python_version()}")
    rows = [measure(kind, args.statements, args.rounds) for kind in args.db.split(",")]
    print("| database | statements in store | fill, s | journey entries | learner's statements "
          "| journey median ms | p95 ms | app CPU median ms | target < 300 ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        met = "met" if r["p95_ms"] < TARGET_MS else "not met"
        print(
            f"| {r['db']} | {r['statements']:,} | {r['fill_s']:.0f} | {r['entries']} | "
            f"{r['learner_statements']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['cpu_ms']:.1f} | {met} |"
        )


if __name__ == "__main__":
    main()
