"""Two leadpath instances behind nginx, as deployed, with one database (and Redis).

nginx runs config/nginx-leadpath.conf over TLS in front of two `leadpath serve` processes with
their own data directories (the key files copied, LEADPATH_SECRET_KEY shared), like two
machines. nginx hands requests round, so a login lands on one instance and its launch on the
other; the launch session and an administrator's session then work on both. Two `leadpath
forwarder` processes send the statements to an LRS on loopback and to the embedded LRS; one is
killed (SIGKILL) with a batch in flight, and every statement is still stored once, in order per
learner. On the PostgreSQL pass the instances share PostgreSQL and Redis; on the SQLite pass
they share one SQLite file (and the launch state lives in it).
"""

from __future__ import annotations

import re
import shutil
import signal
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from lti_tool import schema, signing_keys
from lti_tool.db import Database
from tests.support.lti_helpers import LAUNCH_URL, make_platform
from tests.support.nginx import Nginx
from tests.support.services import create_postgres_database, drop_postgres_database, redis_url
from tests.support.serving import Process, free_port, leadpath_env, serve
from tests.xapi.outbox.lrs_standin import LrsStandIn
from tests.xapi.outbox.outbox_helpers import queued, statement, wait_for
from xapi.lrs.models import Statement as LrsStatement
from xapi.outbox import enqueue

SECRET = "shared-secret-key-of-every-instance-" + "z" * 20
ADMIN_PASSWORD = "correct horse battery"
LEARNERS = 20
PER_LEARNER = 25


@pytest.fixture
def store(db_kind, tmp_path):
    """The one database both instances use, migrated once; (URL, extra settings)."""
    if db_kind == "postgresql":
        url, name = create_postgres_database()
        try:
            schema.upgrade(url)
            yield url, {"redis_url": redis_url()}
        finally:
            drop_postgres_database(name)
        return
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    schema.upgrade(url)
    yield url, {}


def _instances(tmp_path: Path, url: str, extra: dict, https_port: int) -> list[dict]:
    """Settings of two instances, each with its own data directory holding the same keys."""
    first, second = tmp_path / "instance-a", tmp_path / "instance-b"
    signing_keys.ensure_tool_key(first / "keys")
    shutil.copytree(first / "keys", second / "keys")
    return [
        leadpath_env(
            database_url=url,
            data_dir=str(data_dir),
            base_url=f"https://127.0.0.1:{https_port}",
            proxy_fix="1",
            secret_key=SECRET,
            forwarder_thread="false",
            **extra,
        )
        for data_dir in (first, second)
    ]


def _served(nginx: Nginx, count: int) -> list[tuple]:
    """nginx's log of requests once it holds `count` lines."""
    wait_for(lambda: len(nginx.served_by()) >= count, 10, "nginx to log the request")
    return nginx.served_by()


def _login_and_launch(browser, nginx: Nginx, platform, sub: str) -> tuple[str, str, str]:
    """OIDC login, then the launch; return (login's upstream, launch's upstream, landing URL)."""
    base = nginx.base
    logged = len(nginx.served_by())
    login = browser.get(
        base + "/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": sub,
            "target_link_uri": LAUNCH_URL.replace("http://localhost", base),
            "client_id": platform.client_id,
            "lti1p3_new_window": "1",  # as the cookie check page does once cookies work
        },
        allow_redirects=False,
    )
    assert login.status_code == 302, login.text
    sent = parse_qs(urlsplit(login.headers["Location"]).query)
    claims = platform.claims(
        sent["nonce"][0],
        sub=sub,
        **{"https://purl.imsglobal.org/spec/lti/claim/target_link_uri": base + "/lti/launch"},
    )
    launched = browser.post(
        base + "/lti/launch",
        data={"id_token": platform.sign(claims), "state": sent["state"][0]},
        allow_redirects=False,
    )
    assert launched.status_code == 303, launched.text
    served = _served(nginx, logged + 2)
    return served[logged][0], served[logged + 1][0], urljoin(base, launched.headers["Location"])


def _leadpath(env: dict, tmp_path: Path, *args: str) -> str:
    done = Process(list(args), env, tmp_path / f"{args[0]}.log")
    assert done.popen.wait(120) == 0, done.output()
    return done.output()


def test_two_instances_behind_nginx_share_sessions_and_lose_no_statement(store, tmp_path, unique):
    url, extra = store
    https_port, http_port = free_port(), free_port()
    envs = _instances(tmp_path, url, extra, https_port)
    database = Database(url)
    platform = make_platform(unique).register(database)
    _leadpath(envs[0], tmp_path, "admin", "create-user", "ops-admin", "--password", ADMIN_PASSWORD)
    ports = [free_port(), free_port()]
    servers, forwarders, nginx = [], [], None
    lrs = LrsStandIn(delay=0.1)
    try:
        for n, (env, port) in enumerate(zip(envs, ports, strict=True)):
            servers.append(serve(env, tmp_path / f"serve-{n}.log", port))
        nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{p}" for p in ports], http_port, https_port)
        browser = requests.Session()
        browser.trust_env = False  # the CA bundle of the environment would replace verify
        browser.verify = str(nginx.cert)

        # TLS, redirects and the security headers of the sample site.
        plain = requests.get(nginx.http + "/healthz", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
        ready = browser.get(nginx.base + "/healthz/ready")
        assert ready.status_code == 200 and ready.json()["schema"] == "current"
        assert ready.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert ready.headers["X-Content-Type-Options"] == "nosniff"
        policy = ready.headers["Content-Security-Policy"]  # leadpath's own, not the sample's
        assert platform.issuer in policy.split("frame-ancestors 'self' ")[1]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy

        # A login on one instance, its launch on the other, the session on both.
        upstreams = {f"127.0.0.1:{p}" for p in ports}
        first, second, landing = _login_and_launch(browser, nginx, platform, "learner-1")
        assert {first, second} == upstreams, "the login and the launch went to different instances"
        logged = len(nginx.served_by())
        for _ in range(2):
            page = browser.get(landing)
            assert page.status_code == 200 and "Jo" in page.text
        assert {line[0] for line in _served(nginx, logged + 2)[logged:]} == upstreams

        # An administrator signs in on one instance and browses on both.
        form = browser.get(nginx.base + "/admin/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        signed = browser.post(
            nginx.base + "/admin/login",
            data={"csrf_token": csrf, "username": "ops-admin", "password": ADMIN_PASSWORD},
            allow_redirects=False,
        )
        assert signed.status_code in (302, 303), signed.text
        logged = len(nginx.served_by())
        for _ in range(2):
            assert browser.get(nginx.base + "/admin/lrs", allow_redirects=False).status_code == 200
        assert {line[0] for line in _served(nginx, logged + 2)[logged:]} == upstreams

        # Two forwarders share the queue; one is killed with a batch in flight.
        sending = {
            "LEADPATH_LRS_OTHER_ENDPOINT": lrs.endpoint,
            "LEADPATH_LRS_OTHER_KEY": "key",
            "LEADPATH_LRS_OTHER_SECRET": "secret",
            "LEADPATH_FORWARDER_LEASE_SECONDS": "2",
            "LEADPATH_FORWARDER_POLL_SECONDS": "0.05",
            "LEADPATH_FORWARDER_BATCH_SIZE": "25",
        }
        for n, env in enumerate(envs):
            forwarders.append(Process(["forwarder"], {**env, **sending}, tmp_path / f"fw-{n}.log"))
        wait_for(lambda: all("running" in f.output() for f in forwarders), 60, "forwarders")
        by_agent = {
            "leadpath-forwarder/" + re.search(r"forwarder \S+:\d+:(\w+) running", f.output())[1]: f
            for f in forwarders
        }
        ids: dict[str, list[str]] = {}
        with database.transaction() as session:
            for n in range(LEARNERS * PER_LEARNER):
                learner = f"learner-{unique}-{n % LEARNERS}"
                made = statement(learner, n=n)
                enqueue(session, [made], learner_key=learner)
                ids.setdefault(learner, []).append(made["id"])

        def sending_now() -> str | None:
            with lrs.lock:
                return lrs.senders[-1][0] if +lrs.in_flight and lrs.senders else None

        wait_for(lambda: sending_now() is not None, 60, "a batch in flight")
        victim = by_agent[sending_now()]
        victim.stop(signal.SIGKILL)
        assert victim.popen.returncode == -signal.SIGKILL
        assert len(lrs.stored) < LEARNERS * PER_LEARNER
        wait_for(lambda: queued(database) == 0, 120, "the other forwarder to send the rest")
        assert len(Counter(agent for agent, _ in lrs.senders)) == 2, "both forwarders sent"
    finally:
        for process in forwarders + servers:
            process.stop()
        if nginx is not None:
            nginx.stop()
        lrs.stop()

    everything = [i for mine in ids.values() for i in mine]
    resent = [i for i, n in lrs.receipts.items() if n > 1]
    assert resent, "the killed forwarder's batch in flight was sent again by the other"
    assert set(everything) <= set(lrs.stored), "a statement was lost"
    assert [i for i, n in Counter(lrs.store_order).items() if n > 1] == [], "stored twice"
    position = {statement_id: n for n, statement_id in enumerate(lrs.store_order)}
    for learner, mine in ids.items():
        assert sorted(mine, key=position.__getitem__) == mine, f"{learner}'s order"
    with database.sessions() as session:
        held = session.scalar(
            select(func.count()).select_from(LrsStatement).where(LrsStatement.id.in_(everything))
        )
    assert held == len(everything), "the embedded LRS holds each statement once"
    database.engine.dispose()
