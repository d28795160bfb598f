"""Eight clients writing at once through the HTTP API: no server error, nothing lost or doubled.

The app is served by a threaded werkzeug server on 127.0.0.1. In each round every client posts a
batch of 100 statements that shares its activities (new that round, each client listing them in
its own order; half with one definition, half with the client's own, so that activities are both
inserted and updated side by side), its agents and 20 of its statements with the other
clients' batches, and merges its own key into shared State, Activity Profile and Agent Profile
documents; all eight also race to create one State document with `If-None-Match: *`.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter

import requests

from tests.support.loopback import serve_wsgi
from xapi.lrs import create_credential
from xapi.lrs.models import Statement

CLIENTS, ROUNDS, BATCH, SHARED = 8, 4, 100, 20
ACTIVITIES, AGENTS = 30, 25
VERB = "http://adlnet.gov/expapi/verbs/experienced"


class Workload:
    """The identifiers one run shares between its clients, unique to the run."""

    def __init__(self, unique: str):
        self.base = f"https://leadpath.example/concurrency/{unique}"
        self.agents = [
            {"objectType": "Agent", "account": {"homePage": self.base, "name": f"learner-{n}"}}
            for n in range(AGENTS)
        ]
        self.shared_ids = [[str(uuid.uuid4()) for _ in range(SHARED)] for _ in range(ROUNDS)]
        self.document_agent = self.agents[0]
        self.document_activity = f"{self.base}/documents"

    def activity(self, round_no: int, n: int) -> str:
        return f"{self.base}/r{round_no}/activity-{n}"

    def statement(self, rng: random.Random, client: int, round_no: int, sid: str) -> dict:
        n = rng.randrange(ACTIVITIES)
        return {
            "id": sid,
            "actor": rng.choice(self.agents),
            "verb": {"id": VERB, "display": {"en-GB": "experienced"}},
            "object": {
                "objectType": "Activity",
                "id": self.activity(round_no, n),
                # odd activities: one definition from everyone; even ones: each client its own
                "definition": {
                    "name": {"en-GB": f"Activity {n}"},
                    "description": {"en-GB": f"described by client {client if n % 2 else -1}"},
                },
            },
            "context": {
                "contextActivities": {
                    "parent": [{"id": self.activity(round_no, (n + 1) % ACTIVITIES)}],
                    "grouping": [{"id": f"{self.base}/course-{n % 3}"}],
                },
                "instructor": rng.choice(self.agents),
            },
        }

    def shared(self, round_no: int) -> list[dict]:
        """The statements every client posts in a round, the same content from each."""
        rng = random.Random(round_no)
        return [self.statement(rng, -1, round_no, sid) for sid in self.shared_ids[round_no]]

    def batch(self, client: int, round_no: int) -> list[dict]:
        rng = random.Random(f"{client}-{round_no}")
        own = [
            self.statement(rng, client, round_no, str(uuid.uuid4())) for _ in range(BATCH - SHARED)
        ]
        batch = own + self.shared(round_no)
        rng.shuffle(batch)
        return batch


class Client(threading.Thread):
    """One LRS client: its own keep-alive connection, every answer recorded."""

    def __init__(self, number: int, url: str, auth: tuple[str, str], work: Workload, barrier):
        super().__init__(daemon=True)
        self.number, self.url, self.work, self.barrier = number, url, work, barrier
        self.http = requests.Session()
        self.http.auth = auth
        self.http.headers["X-Experience-API-Version"] = "1.0.3"
        self.answers: list[tuple[str, int, str]] = []
        self.posted: list[str] = []
        self.error: BaseException | None = None

    def call(self, what: str, method: str, path: str, **kwargs) -> int:
        response = self.http.request(method, self.url + path, timeout=120, **kwargs)
        self.answers.append((what, response.status_code, response.text[:300]))
        return response.status_code

    def run(self) -> None:
        try:
            for round_no in range(ROUNDS):
                self.barrier.wait(timeout=120)
                self.one_round(round_no)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            self.barrier.abort()
        finally:
            self.http.close()

    def one_round(self, round_no: int) -> None:
        work, key = self.work, f"client-{self.number}-round-{round_no}"
        agent = json.dumps(work.document_agent)
        merge = {
            "data": json.dumps({key: round_no}),
            "headers": {"Content-Type": "application/json"},
        }
        steps = [
            lambda: self.post_batch(round_no),
            lambda: self.call(
                "state merge",
                "POST",
                "/activities/state",
                params={"activityId": work.document_activity, "agent": agent, "stateId": "shared"},
                **merge,
            ),
            lambda: self.call(
                "activity profile merge",
                "POST",
                "/activities/profile",
                params={"activityId": work.document_activity, "profileId": "shared"},
                **merge,
            ),
            lambda: self.call(
                "agent profile merge",
                "POST",
                "/agents/profile",
                params={"agent": agent, "profileId": "shared"},
                **merge,
            ),
            lambda: self.call(
                f"create round {round_no}",
                "PUT",
                "/activities/state",
                params={
                    "activityId": work.document_activity,
                    "agent": agent,
                    "stateId": f"created-{round_no}",
                },
                data=json.dumps({"by": self.number}),
                headers={"Content-Type": "application/json", "If-None-Match": "*"},
            ),
        ]
        random.Random(key).shuffle(steps)
        for step in steps:
            step()

    def post_batch(self, round_no: int) -> None:
        batch = self.work.batch(self.number, round_no)
        if self.call("statements", "POST", "/statements", json=batch) == 200:
            self.posted.extend(s["id"] for s in batch)


def _statement_ids(http: requests.Session, root: str, activity: str) -> list[str]:
    """Every statement id the LRS returns for an activity (related too), following `more`."""
    ids, path = [], "/xapi/statements"
    params = {"activity": activity, "related_activities": "true", "format": "ids", "limit": 100}
    while path:
        response = http.get(root + path, params=params, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(s["id"] for s in body["statements"])
        path, params = body.get("more") or "", None
    return ids


def test_concurrent_clients_get_no_server_error_and_lose_nothing(app, engine, unique):
    work = Workload(unique)
    auth = create_credential(engine, f"concurrency {unique}", ["all"])
    with serve_wsgi(app) as root:
        url = root + "/xapi"
        barrier = threading.Barrier(CLIENTS)
        clients = [Client(n, url, auth, work, barrier) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=600)
        assert [c.error for c in clients if c.error] == []
        answers = [answer for client in clients for answer in client.answers]
        failed = Counter(f"{what} {status}" for what, status, _ in answers if status >= 500)
        assert not failed, f"server errors under concurrency, of {len(answers)} requests: {failed}"
        assert {a[1] for a in answers if a[0] == "statements"} == {200}

        expected = {sid for client in clients for sid in client.posted}
        assert len(expected) == ROUNDS * (CLIENTS * (BATCH - SHARED) + SHARED)
        with engine.connect() as conn:
            table = Statement.__table__
            held = conn.execute(
                table.select().with_only_columns(table.c.id).where(table.c.id.in_(expected))
            ).scalars()
            assert sorted(held) == sorted(expected)

        http = requests.Session()
        http.auth = auth
        http.headers["X-Experience-API-Version"] = "1.0.3"
        found: list[str] = []
        for round_no in range(ROUNDS):
            for n in range(ACTIVITIES):
                found += _statement_ids(http, root, work.activity(round_no, n))
        # each statement is found through its object (and once more through its parent)
        assert len(found) == 2 * len(expected) and set(found) == expected

        for round_no in range(ROUNDS):
            n = round_no % ACTIVITIES
            activity = http.get(
                url + "/activities", params={"activityId": work.activity(round_no, n)}, timeout=60
            ).json()
            assert activity["definition"]["name"] == {"en-GB": f"Activity {n}"}
            created = sorted(a[1] for a in answers if a[0] == f"create round {round_no}")
            assert created == [204] + [412] * (CLIENTS - 1)

        every_key = {f"client-{c}-round-{r}" for c in range(CLIENTS) for r in range(ROUNDS)}
        agent = json.dumps(work.document_agent)
        activity = work.document_activity
        for path, params in (
            ("/activities/state", {"activityId": activity, "agent": agent, "stateId": "shared"}),
            ("/activities/profile", {"activityId": activity, "profileId": "shared"}),
            ("/agents/profile", {"agent": agent, "profileId": "shared"}),
        ):
            document = http.get(url + path, params=params, timeout=60)
            assert document.status_code == 200, document.text
            assert set(document.json()) == every_key, f"{path}: merges were lost"
        http.close()
