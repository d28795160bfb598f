"""A revoked LRS key stops working on every app instance within one second."""

import time

from tests.xapi.lrs.conftest import basic
from xapi.lrs import create_credential
from xapi.lrs.credentials import revoke_credential


def test_a_revoked_key_is_refused_by_every_worker_within_a_second(make_app, engine):
    workers = [make_app().test_client() for _ in range(2)]
    key, secret = create_credential(engine, "revocation test", ["all"])
    headers = {"Authorization": basic(key, secret), "X-Experience-API-Version": "1.0.3"}
    for worker in workers:
        assert worker.get("/xapi/statements?limit=1", headers=headers).status_code == 200
    assert revoke_credential(engine, key)  # as `leadpath lrs credentials revoke` does
    revoked_at = time.monotonic()
    refused_after = []
    for worker in workers:
        while worker.get("/xapi/statements?limit=1", headers=headers).status_code == 200:
            assert time.monotonic() - revoked_at < 5, "the key kept working"
            time.sleep(0.05)
        refused_after.append(time.monotonic() - revoked_at)
    assert max(refused_after) <= 1.2, refused_after
