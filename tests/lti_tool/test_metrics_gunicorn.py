"""Under gunicorn with several workers, every scrape adds up all workers' counts.

`leadpath serve --workers 2` with metrics on; refused logins are spread over the workers by
new connections; whichever worker answers a scrape reports the total, also after a worker is
killed and replaced.
"""

from __future__ import annotations

import os
import signal
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.services import migrated_database
from tests.support.serving import free_port, leadpath_env, serve

TOKEN = "gunicorn-metrics-token-" + "y" * 32
REFUSALS = 24


def _refusals(base: str) -> float:
    answer = requests.get(
        base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "leadpath_launch_refusals_total":
                if sample.labels == {"check": "login_iss_missing"}:
                    return sample.value
    return 0.0


def _worker_pids(directory) -> set[int]:
    return {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("counter_*.db")}


def test_every_scrape_adds_up_every_workers_counts(db_kind, tmp_path):
    data_dir = tmp_path / "var"
    with migrated_database(db_kind, tmp_path / "leadpath.db") as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = leadpath_env(
            database_url=url,
            data_dir=str(data_dir),
            base_url=base,
            metrics="true",
            metrics_token=TOKEN,
            forwarder_thread="false",
        )
        server = serve(env, tmp_path / "serve.log", port, workers=2)
        try:
            for _ in range(REFUSALS):  # a new connection each: gunicorn hands them round
                with requests.Session() as browser:
                    assert browser.get(base + "/lti/login", timeout=30).status_code == 400
            directory = data_dir / "metrics"
            pids = _worker_pids(directory)
            assert len(pids) == 2, "both workers counted some (and wrote to the shared files)"
            assert [_refusals(base) for _ in range(6)] == [REFUSALS] * 6

            os.kill(min(pids), signal.SIGKILL)  # gunicorn starts a new worker in its place
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _refusals(base) == REFUSALS and len(_worker_pids(directory)) >= 2:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.2)
            assert [_refusals(base) for _ in range(4)] == [REFUSALS] * 4, (
                "a dead worker's count stays"
            )
        finally:
            server.stop()
