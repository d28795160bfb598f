"""Soak with faults: leadpath as deployed, in steady use, while its parts are killed and restarted.

Everything runs on loopback, bounded in time:
- two `leadpath serve` instances (with their own data directories holding the same keys) behind
  nginx with the sample site of `config/`, sharing one PostgreSQL database and Redis (or, with
  `--database sqlite`, one SQLite file);
- two `leadpath forwarder` processes sending the outbox to the embedded LRS and to an external
  LRS — a third `leadpath serve` with its own SQLite store, standing for another organisation's
  LRS — and sending grades and invitation emails beside it;
- a platform registered for the run (it signs the launches' id_tokens) whose gradebook (LTI AGS:
  a token endpoint checking the tool's client assertion, and a line item's score service) and
  an SMTP server (aiosmtpd) run in this process;
- learners who launch (OIDC login and a signed launch carrying the AGS claim of line item 1),
  answer a self-assessment domain by domain and complete it, which queues their grade;
  learners who launch a 360, rate themselves and invite their line manager and three peers by
  email (a step of the default threshold, so the peers' figures are released); raters who open
  the link from each mail the SMTP server received and answer the rater form; a mentor whose
  role_scope_mentor names every self-assessing learner, who signs off completed
  self-assessments; an LRS client posting batches of statements; an LRS reader querying by
  agent.
Faults: the external LRS is restarted every `--restart-lrs-every` seconds (5 minutes by
default) and one app instance, in turn, is killed with SIGKILL and started again every
`--kill-app-every` seconds (7 minutes).

At the end, once the forwarders have drained the outbox, the grades and the mail:
- every statement the app queued is held by both LRSs (ids compared on both sides; an LRS holds
  an id at most once, so a batch resent after a kill is stored once), and every statement the
  LRS client was told was stored is held;
- every invitation leadpath confirmed was mailed once; every rater answer that got the thanks
  page (or, after an outage cut the answer, was refused as already given) is stored once, and
  each group's `received-feedback-summary` statements come in whole steps of the threshold;
- every sign-off leadpath confirmed is stored once, and every signed-off self-assessment has one
  `verified` statement, held by both LRSs;
- every grade queued was received by the gradebook once per (user, line item, attempt), none is
  pending or dead, and every completion confirmed to a learner queued exactly one grade;
- no answer was a 5xx except while an instance was down (from its kill until it answers again,
  plus the seconds nginx takes to notice), and the memory of every process is reported at the
  start, the middle and the end.

    .venv/bin/python bench/soak.py --minutes 30 [--database postgresql] [--json out.json]

A 100-second run is part of the test suite (tests/deploy/test_soak.py).
"""

from __future__ import annotations

import argparse
import email
import html
import json
import queue
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from base64 import b64encode
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

from lti_tool import schema, signing_keys  # noqa: E402
from lti_tool.assess.feedback import hash_token  # noqa: E402
from lti_tool.assess.models import (  # noqa: E402
    FeedbackInvitation,
    FeedbackMail,
    FeedbackResponse,
    Validation,
)
from lti_tool.db import Database  # noqa: E402
from lti_tool.grades.models import DEAD, SENT, GradeScore  # noqa: E402
from tests.support import assess_helpers as assess  # noqa: E402
from tests.support import feedback_helpers as feedback  # noqa: E402
from tests.support.grade_helpers import AGS, point_token_url  # noqa: E402
from tests.support.gradebook_platform import Gradebook  # noqa: E402
from tests.support.lti_helpers import LEARNER, LTI, MENTOR, make_platform  # noqa: E402
from tests.support.mail_helpers import REPLY_TO, SENDER, link_in  # noqa: E402
from tests.support.nginx import Nginx  # noqa: E402
from tests.support.services import (  # noqa: E402
    create_postgres_database,
    drop_postgres_database,
    redis_url,
)
from tests.support.serving import Process, free_port, leadpath_env, serve  # noqa: E402
from xapi.lrs import create_credential  # noqa: E402
from xapi.lrs.models import Statement as LrsStatement  # noqa: E402
from xapi.outbox.models import Delivery, OutboxStatement  # noqa: E402

SECRET = "soak-shared-secret-key-of-both-instances-" + "s" * 16
# Each 360 learner invites these (the peers make one whole step of the default threshold).
GROUPS_INVITED = ("line-manager", "peer", "peer", "peer")
FEEDBACK_STEP = 3  # LEADPATH_FEEDBACK_MIN_RATERS's default, which the soak's instances use
NGINX_NOTICES = 15.0  # seconds after an instance answers again in which nginx may still fail
VERB = "http://adlnet.gov/expapi/verbs/experienced"


@dataclass
class Tally:
    """Every answer the clients saw, how long each took, and the failures with their times."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (time, status or error, method, path)
    seconds: list = field(default_factory=list)  # each answered request's round trip

    def record(self, status: int | str, method: str, path: str, took: float | None = None) -> None:
        with self.lock:
            self.statuses[str(status)[0] + "xx" if isinstance(status, int) else status] += 1
            if not isinstance(status, int) or status >= 500:
                self.failures.append((time.monotonic(), status, method, path.split("?")[0]))
            elif took is not None:
                self.seconds.append(took)

    def pace(self, seconds: float) -> dict:
        """Answers per second over the run, and the round trips' percentiles (2xx–4xx)."""
        with self.lock:
            took = sorted(self.seconds)
            answered = sum(self.statuses.values())
        if not took:
            return {"answers_per_s": 0.0}

        def percentile(q: float) -> float:
            return round(1000 * took[min(len(took) - 1, int(q * len(took)))], 1)

        return {
            "answers_per_s": round(answered / seconds, 1),
            "latency_ms": {
                "p50": percentile(0.5),
                "p95": percentile(0.95),
                "p99": percentile(0.99),
            },
        }


class Answer:
    """A `requests` answer with the parts of Flask's test response the page helpers read."""

    def __init__(self, response: requests.Response):
        self.status_code = response.status_code
        self.location = response.headers.get("Location", "")
        self.text = response.text

    def get_data(self, as_text: bool = False):
        return self.text if as_text else self.text.encode()


class Browser:
    """One person's browser: cookies kept, every answer tallied, redirects not followed.

    `think` is the seconds the person spends on each page before the next request.
    """

    def __init__(self, base: str, verify: str, tally: Tally, think: float = 0.0):
        self.base, self.tally, self.think = base, tally, think
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify

    def get(self, path: str, query_string: dict | None = None) -> Answer:
        return self._send("GET", path, params=query_string)

    def post(self, path: str, data: dict | None = None) -> Answer:
        return self._send("POST", path, data=data)

    def _send(self, method: str, path: str, **kwargs) -> Answer:
        url = path if path.startswith("http") else urljoin(self.base, path)
        time.sleep(self.think)
        began = time.monotonic()
        try:
            response = self.session.request(
                method, url, allow_redirects=False, timeout=60, **kwargs
            )
        except requests.RequestException as exc:
            self.tally.record(type(exc).__name__, method, urlsplit(url).path)
            raise Interrupted from exc
        took = time.monotonic() - began
        self.tally.record(response.status_code, method, urlsplit(url).path, took)
        if response.status_code >= 500:
            raise Interrupted
        return Answer(response)


class Interrupted(Exception):
    """A request failed (an instance was down): the person starts again."""


class Mailbox:
    """The aiosmtpd handler of the run's SMTP server: what each address received, in a queue."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter = Counter()  # messages by recipient
        self.waiting: queue.Queue = queue.Queue()  # (recipient, message) for the raters

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received[address] += 1
                self.waiting.put((address, message))
        return "250 Message accepted for delivery"


@dataclass
class Run:
    """The processes and identities of one soak."""

    tmp: Path
    database_url: str
    extra: dict
    platform: object = None
    nginx: Nginx | None = None
    servers: list = field(default_factory=list)
    ports: list = field(default_factory=list)
    envs: list = field(default_factory=list)
    forwarders: list = field(default_factory=list)
    external: Process | None = None
    external_env: dict = field(default_factory=dict)
    external_port: int = 0
    external_credential: dict = field(default_factory=dict)
    lrs_auth: str = ""
    gradebook: Gradebook | None = None
    mailbox: Mailbox = field(default_factory=Mailbox)
    smtp: Controller | None = None
    down: list = field(default_factory=list)  # (from, until) when an app instance was down
    events: list = field(default_factory=list)

    def log(self, what: str) -> None:
        self.events.append((round(time.monotonic() - START, 1), what))
        print(f"[{time.monotonic() - START:7.1f}s] {what}", flush=True)


START = time.monotonic()


def _leadpath(env: dict, log: Path, *args: str) -> str:
    done = Process(list(args), env, log)
    assert done.popen.wait(120) == 0, done.output()
    return done.output()


def start_external_lrs(run: Run) -> None:
    """The external LRS: another leadpath with its own SQLite store and an LRS key."""
    directory = run.tmp / "external"
    first = not directory.exists()
    run.external_port = run.external_port or free_port()
    run.external_env = leadpath_env(
        data_dir=str(directory),
        base_url=f"http://127.0.0.1:{run.external_port}",
        forwarder_thread="false",
        secret_key=SECRET + "-external",
    )
    if first:
        directory.mkdir(parents=True)
        _leadpath(run.external_env, run.tmp / "external-migrate.log", "db", "upgrade")
        made = _leadpath(
            run.external_env,
            run.tmp / "external-key.log",
            "lrs",
            "credentials",
            "add",
            "--name",
            "soak",
            "--scopes",
            "all",
            "--json",
        )
        run.external_credential = json.loads(made)
    run.external = serve(
        run.external_env, run.tmp / f"external-{len(run.events)}.log", run.external_port
    )


def start(run: Run, minutes_hint: float) -> None:
    """Start the external LRS, two instances behind nginx and two forwarders."""
    run.log("starting the external LRS")
    start_external_lrs(run)
    https_port, http_port = free_port(), free_port()
    first, second = run.tmp / "instance-a", run.tmp / "instance-b"
    signing_keys.ensure_tool_key(first / "keys")
    shutil.copytree(first / "keys", second / "keys")
    run.smtp = Controller(run.mailbox, hostname="127.0.0.1", port=free_port())
    run.smtp.start()
    mail = {
        "smtp_url": f"smtp://127.0.0.1:{run.smtp.port}",
        "mail_from": SENDER,
        "mail_reply_to": REPLY_TO,
    }
    run.envs = [
        leadpath_env(
            database_url=run.database_url,
            data_dir=str(directory),
            base_url=f"https://127.0.0.1:{https_port}",
            proxy_fix="1",
            secret_key=SECRET,
            forwarder_thread="false",
            **mail,
            **run.extra,
        )
        for directory in (first, second)
    ]
    run.ports = [free_port(), free_port()]
    for n, (env, port) in enumerate(zip(run.envs, run.ports, strict=True)):
        run.servers.append(serve(env, run.tmp / f"serve-{n}-0.log", port, workers=2))
    upstreams = [f"127.0.0.1:{p}" for p in run.ports]
    run.nginx = Nginx(run.tmp / "nginx", upstreams, http_port, https_port)
    credential = run.external_credential
    sending = {
        "LEADPATH_LRS_PARTNER_ENDPOINT": f"http://127.0.0.1:{run.external_port}/xapi/",
        "LEADPATH_LRS_PARTNER_KEY": credential["key"],
        "LEADPATH_LRS_PARTNER_SECRET": credential["secret"],
        "LEADPATH_FORWARDER_LEASE_SECONDS": "10",
        "LEADPATH_FORWARDER_POLL_SECONDS": "0.2",
    }
    for n, env in enumerate(run.envs):
        run.forwarders.append(
            Process(["forwarder"], {**env, **sending}, run.tmp / f"forwarder-{n}.log")
        )
    database = Database(run.database_url)
    run.platform = make_platform(uuid.uuid4().hex[:10]).register(database)
    tool_keys = signing_keys.ToolKeys(first / "keys").jwks()
    run.gradebook = Gradebook(tool_keys, run.platform.client_id).__enter__()
    point_token_url(database, run.platform, run.gradebook.token_url)
    key, secret = create_credential(database.engine, "soak-client", ["all"])
    database.engine.dispose()
    run.lrs_auth = "Basic " + b64encode(f"{key}:{secret}".encode()).decode()
    run.log(f"running for about {minutes_hint:g} minutes")


def launch(browser: Browser, run: Run, sub: str, roles=(LEARNER,), **claims) -> str:
    """OIDC login, then the signed launch; return the launch session token."""
    base = run.nginx.base
    login = browser.get(
        "/lti/login",
        {
            "iss": run.platform.issuer,
            "login_hint": sub,
            "target_link_uri": base + "/lti/launch",
            "client_id": run.platform.client_id,
            "lti1p3_new_window": "1",
        },
    )
    assert login.status_code == 302, login.text[:300]
    sent = parse_qs(urlsplit(login.location).query)
    body = run.platform.claims(
        sent["nonce"][0],
        sub=sub,
        roles=list(roles),
        **{LTI + "target_link_uri": base + "/lti/launch", **claims},
    )
    landed = browser.post(
        "/lti/launch", {"id_token": run.platform.sign(body), "state": sent["state"][0]}
    )
    assert landed.status_code == 303, landed.text[:300]
    return assess.token_of(landed)


def self_assessment(browser: Browser, run: Run, sub: str, rng: random.Random) -> str:
    """A learner launches (graded into line item 1), answers every domain and completes.

    Return the completed attempt's id.
    """
    token = launch(
        browser,
        run,
        sub,
        **{
            LTI + "custom": {"assessment": "self", "career_phase": "foundation"},
            AGS: run.gradebook.endpoint_claim(1),
        },
    )
    started = assess.start(browser, token)
    assert started.status_code == 303, started.text[:300]
    location = started.location
    attempt_id = assess.attempt_id_of(location)
    while "/domains/" in location:
        domain = assess.domain_of(location)
        saved = assess.fill_domain(
            browser, token, attempt_id, domain, lambda _stage: rng.choice([1, 2, 3, 4])
        )
        assert saved.status_code == 303, saved.text[:300]
        location = saved.location
    done = assess.complete(browser, token, attempt_id)
    assert done.status_code == 303, done.text[:300]
    return attempt_id


def feedback_360(browser: Browser, run: Run, sub: str, rng: random.Random, raters: int) -> list:
    """A learner launches a 360, rates themselves and invites raters by email.

    Return the addresses of the invitations leadpath confirmed (201).
    """
    token = launch(
        browser,
        run,
        sub,
        **{
            LTI + "resource_link": {"id": "link-360", "title": "360 feedback"},
            LTI + "custom": feedback.CUSTOM,
        },
    )
    rated = feedback.self_rate(browser, token, [rng.randint(1, 4) for _ in feedback.PATHS])
    assert rated.status_code == 303, rated.text[:300]
    invited = []
    for group in GROUPS_INVITED[:raters]:
        hub = browser.get("/feedback", {"ls": token})
        assert hub.status_code == 200, hub.text[:300]
        address = f"rater-{uuid.uuid4().hex[:12]}@example.test"
        form = {
            "ls": token,
            "rater_group": group,
            "invited": str(feedback.invitations_shown(hub.text)),
            "email": address,
        }
        created = browser.post("/feedback/invitations", form)
        assert created.status_code == 201, created.text[:300]
        invited.append(address)
    return invited


def rater_answer(browser: Browser, link: str, rng: random.Random) -> Answer:
    """A rater opens the link mailed to them and sends their stages; return the answer."""
    opened = browser.get(f"/feedback/r/{link}")
    if opened.status_code != 200:
        return opened
    stages = [rng.choice([None, 1, 2, 3, 4]) for _ in feedback.PATHS]
    stages[rng.randrange(len(stages))] = rng.randint(1, 4)  # at least one element rated
    return feedback.rate(browser, link, stages)


def sign_off_some(browser: Browser, run: Run, sub: str, mentees: list, rng: random.Random):
    """A mentor launches validation and signs off up to three completed self-assessments.

    Yield each attempt id whose sign-off leadpath confirmed (303 to the list, signed).
    """
    token = launch(
        browser,
        run,
        sub,
        roles=[MENTOR],
        **{
            LTI + "resource_link": {"id": "link-validation", "title": "Supervisor validation"},
            LTI + "custom": {"assessment": "validation"},
            LTI + "role_scope_mentor": mentees,
        },
    )
    listing = browser.get("/validation", {"ls": token})
    assert listing.status_code == 200, listing.text[:300]
    waiting = listing.text.split('id="va-done-heading"')[0]
    for attempt_id in re.findall(r'data-attempt="([^"]+)"', waiting)[:3]:
        path = f"/validation/attempts/{attempt_id}"
        review = browser.get(path, {"ls": token})
        assert review.status_code == 200, review.text[:300]
        form = {"ls": token, "attempt_id": attempt_id, "action": "check"}
        for element, options in re.findall(
            r'<select[^>]*name="stage-([^"]+)"[^>]*>(.*?)</select>', review.text, re.S
        ):
            chosen = re.search(r'value="(\d+)" selected', options)
            form[f"stage-{element}"] = chosen[1] if chosen else "1"
        if rng.random() < 0.3:  # the supervisor saw another stage in one element
            form[rng.choice(sorted(k for k in form if k.startswith("stage-")))] = "3"
        checked = browser.post(path, form)
        if _signed_by_another(checked):
            continue
        assert checked.status_code == 303, checked.text[:300]
        confirm = browser.get(checked.location)
        assert confirm.status_code == 200, confirm.text[:300]
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', confirm.text)
        signed = browser.post(path, {k: html.unescape(v) for k, v in hidden})
        if _signed_by_another(signed):
            continue
        assert signed.status_code == 303 and "signed=" in signed.location, signed.text[:300]
        yield attempt_id


def _signed_by_another(answer: Answer) -> bool:
    """True when another supervisor signed the self-assessment off first (leadpath's 409)."""
    return answer.status_code == 409 and "already signed off" in answer.text


@dataclass(frozen=True)
class People:
    """How many of each kind of person use leadpath at once, and their pauses (seconds)."""

    learners: int = 3
    think: float = 0.4  # about half the measured capacity (bench/RESULTS.md, soak)
    lrs_pause: float = 0.5
    feedback_learners: int = 1
    feedback_pause: float = 2.0
    raters: int = 2
    supervisors: int = 1
    supervisor_pause: float = 3.0


def statement(n: int, client: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://soak.example", "name": f"person-{n % 50}"}},
        "verb": {"id": VERB, "display": {"en-GB": "experienced"}},
        "object": {"id": f"https://soak.example/activities/{client}/{n % 20}"},
    }


class Workload:
    """The people using leadpath during the soak, each on its own thread."""

    def __init__(self, run: Run, people: People):
        self.run, self.people = run, people
        self.tally = Tally()
        self.stop = threading.Event()
        self.completed: list[str] = []  # self-assessments whose completion was confirmed
        self.unexpected: Counter = Counter()  # answers a person did not expect, by message
        self.posted: list[str] = []  # ids the LRS answered as stored
        self.queries = 0
        self.invited: list[str] = []  # rater addresses whose invitation was confirmed
        self.rated: list[str] = []  # rater links whose answer got the thanks page
        self.rated_unseen: list[str] = []  # answered, but the answer was lost in an outage
        self.signed_off: list[str] = []  # attempts whose sign-off was confirmed
        self.threads: list[threading.Thread] = []

    def mentees(self) -> list[str]:
        """Return the subs of every learner the supervisors' role_scope_mentor names."""
        return [f"learner-{n}-{k}" for n in range(self.people.learners) for k in range(40)]

    def start(self) -> None:
        people = self.people
        targets = (
            [self._learner] * people.learners
            + [self._lrs_writer, self._lrs_reader]
            + [self._feedback_learner] * people.feedback_learners
            + [self._rater] * people.raters
            + [self._supervisor] * people.supervisors
        )
        for n, target in enumerate(targets):
            thread = threading.Thread(target=target, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def _browser(self) -> Browser:
        return Browser(self.run.nginx.base, str(self.run.nginx.cert), self.tally, self.people.think)

    def _learner(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            try:
                sub = f"learner-{n}-{rng.randrange(40)}"
                self.completed.append(self_assessment(self._browser(), self.run, sub, rng))
            except Interrupted:
                time.sleep(0.5)
            except AssertionError as exc:  # e.g. a form sent twice across a kill: start again
                self.unexpected[str(exc)[:120]] += 1

    def _feedback_learner(self, n: int) -> None:
        """Learners who each ask for 360 feedback once (a new learner each time)."""
        rng, count = random.Random(n), 0
        while not self.stop.wait(self.people.feedback_pause):
            count += 1
            try:
                self.invited.extend(
                    feedback_360(
                        self._browser(), self.run, f"fb-{n}-{count}", rng, len(GROUPS_INVITED)
                    )
                )
            except Interrupted:
                pass
            except AssertionError as exc:
                self.unexpected["360: " + str(exc)[:120]] += 1

    def _rater(self, n: int) -> None:
        """Raters who answer the invitations in the order the SMTP server received them."""
        rng, browser = random.Random(n), self._browser()
        while not self.stop.is_set():
            try:
                _address, message = self.run.mailbox.waiting.get(timeout=0.5)
            except queue.Empty:
                continue
            link, interrupted = link_in(message), False
            while not self.stop.is_set():
                try:
                    answer = rater_answer(browser, link, rng)
                except Interrupted:
                    interrupted = True
                    time.sleep(0.5)
                    continue
                if answer.status_code == 200 and "Your feedback has been recorded" in answer.text:
                    self.rated.append(link)
                elif interrupted and 'data-error-code="invitation_submitted"' in answer.text:
                    self.rated_unseen.append(link)  # stored before the outage cut the answer
                else:
                    self.unexpected[f"rater: {answer.status_code} {answer.text[:100]}"] += 1
                break

    def _supervisor(self, n: int) -> None:
        """A mentor of every learner who signs off completed self-assessments as they come."""
        rng, mentees = random.Random(n), self.mentees()
        while not self.stop.wait(self.people.supervisor_pause):
            try:
                for attempt_id in sign_off_some(
                    self._browser(), self.run, f"supervisor-{n}", mentees, rng
                ):
                    self.signed_off.append(attempt_id)
            except Interrupted:
                pass
            except AssertionError as exc:
                self.unexpected["supervisor: " + str(exc)[:120]] += 1

    def _lrs_headers(self) -> dict:
        return {
            "Authorization": self.run.lrs_auth,
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }

    def _lrs_writer(self, n: int) -> None:
        browser, count = self._browser(), 0
        while not self.stop.wait(self.people.lrs_pause):
            batch = [statement(count + i, f"client-{n}") for i in range(20)]
            count += 20
            began = time.monotonic()
            try:
                response = browser.session.post(
                    self.run.nginx.base + "/xapi/statements",
                    data=json.dumps(batch),
                    headers=self._lrs_headers(),
                    timeout=60,
                )
            except requests.RequestException as exc:
                self.tally.record(type(exc).__name__, "POST", "/xapi/statements")
                continue
            took = time.monotonic() - began
            self.tally.record(response.status_code, "POST", "/xapi/statements", took)
            if response.status_code == 200:
                self.posted.extend(response.json())

    def _lrs_reader(self, n: int) -> None:
        browser, rng = self._browser(), random.Random(n)
        while not self.stop.wait(self.people.lrs_pause / 2):
            agent = {
                "account": {
                    "homePage": "https://soak.example",
                    "name": f"person-{rng.randrange(50)}",
                }
            }
            began = time.monotonic()
            try:
                response = browser.session.get(
                    self.run.nginx.base + "/xapi/statements",
                    params={"agent": json.dumps(agent), "limit": 25},
                    headers=self._lrs_headers(),
                    timeout=60,
                )
            except requests.RequestException as exc:
                self.tally.record(type(exc).__name__, "GET", "/xapi/statements")
                continue
            took = time.monotonic() - began
            self.tally.record(response.status_code, "GET", "/xapi/statements", took)
            self.queries += 1


MEMORY_EVERY = 60.0


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (gunicorn's master and workers), in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
        )
        pending.extend(int(c) for c in children)
    return round(total / 1024, 1)


def memory(run: Run) -> dict:
    processes = {f"app-{n}": s for n, s in enumerate(run.servers)}
    processes.update({f"forwarder-{n}": f for n, f in enumerate(run.forwarders)})
    processes["external-lrs"] = run.external
    return {name: rss_mb(p.pid) for name, p in processes.items()}


def faults(run: Run, workload: Workload, seconds: float, kill_every: float, restart_every: float):
    """Kill an app instance and restart the external LRS on their schedules until time is up.

    Returns the memory samples: start, middle and end, and `series`, every process's RSS once
    a minute with the seconds since that process (re)started, so growth can be told from warming.
    """
    began = time.monotonic()
    next_kill, next_restart, victim = began + kill_every, began + restart_every, 0
    samples: dict = {"start": memory(run), "series": []}
    started = dict.fromkeys(samples["start"], began)
    next_sample = began + MEMORY_EVERY
    middle_taken = False
    while (now := time.monotonic()) < began + seconds:
        if not middle_taken and now >= began + seconds / 2:
            samples["middle"] = memory(run)
            middle_taken = True
        if now >= next_sample:
            samples["series"].append(
                {
                    "at_s": round(now - began),
                    "mb": memory(run),
                    "up_s": {name: round(now - since) for name, since in started.items()},
                }
            )
            next_sample += MEMORY_EVERY
        if now >= next_restart:
            run.log("restarting the external LRS")
            run.external.stop()
            start_external_lrs(run)
            started["external-lrs"] = time.monotonic()
            next_restart += restart_every
        if now >= next_kill:
            run.log(f"killing app instance {victim} (SIGKILL)")
            killed_at = time.monotonic()
            run.servers[victim].stop(signal.SIGKILL)
            run.servers[victim] = serve(
                run.envs[victim],
                run.tmp / f"serve-{victim}-{len(run.events)}.log",
                run.ports[victim],
                workers=2,
            )
            started[f"app-{victim}"] = time.monotonic()
            run.down.append((killed_at, time.monotonic() + NGINX_NOTICES))
            run.log(f"app instance {victim} answers again")
            victim, next_kill = 1 - victim, next_kill + kill_every
        time.sleep(0.5)
    samples["end"] = memory(run)
    return samples


def drained(run: Run, timeout: float) -> bool:
    database = Database(run.database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with database.sessions() as session:
                unrouted = session.scalar(
                    select(func.count()).where(OutboxStatement.routed.is_(False))
                )
                waiting = session.scalar(select(func.count()).where(Delivery.status != "delivered"))
                grades = session.scalar(select(func.count()).where(GradeScore.status == "pending"))
                mails = session.scalar(select(func.count()).where(FeedbackMail.status == "pending"))
            if unrouted == 0 and waiting == 0 and grades == 0 and mails == 0:
                return True
            time.sleep(1)
        return False
    finally:
        database.engine.dispose()


def held_ids(url: str, among: list[str] | None = None) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = select(LrsStatement.id)
            found = set(conn.execute(query).scalars())
    finally:
        engine.dispose()
    return found if among is None else found & set(among)


def queued_with_verb(session, verb: str) -> list[dict]:
    """Return the queued statements of one verb (its last path segment)."""
    bodies = session.scalars(
        select(OutboxStatement.body).where(OutboxStatement.body.like(f'%/{verb}"%'))
    )
    found = (json.loads(b) for b in bodies)
    return [s for s in found if s["verb"]["id"].rsplit("/", 1)[-1] == verb]


def check_360(session, workload: Workload, mailbox: Mailbox, step: int) -> dict:
    """Each confirmed invitation mailed once; each rater answer held once; summaries in steps.

    No statement carries one rater's answer: per 360, rater group and element, leadpath sends a
    `received-feedback-summary` each time the group's answers on the element reach a whole
    step (`step` answers, the report's threshold), pooling all of them so far. So the summaries
    of a 360 and group are exactly, by their `raters`, step, 2 × step, … for each element, as
    many as its stored answers allow.
    """
    answers = {
        token_hash: (attempt_id, group, ratings)
        for token_hash, attempt_id, group, ratings in session.execute(
            select(
                FeedbackInvitation.token_hash,
                FeedbackInvitation.attempt_id,
                FeedbackInvitation.rater_group,
                FeedbackResponse.ratings,
            ).join(FeedbackResponse, FeedbackResponse.invitation_id == FeedbackInvitation.id)
        )
    }
    confirmed = [hash_token(link) for link in workload.rated + workload.rated_unseen]
    per_element: Counter = Counter()
    for attempt_id, group, ratings in answers.values():
        for path, value in ratings.items():
            per_element[(attempt_id, group, path)] += value is not None
    expected: dict = {}
    for (attempt_id, group, _path), n in per_element.items():
        steps = [step * k for k in range(1, n // step + 1)]
        expected.setdefault((attempt_id, group), []).extend(steps)
    summaries = queued_with_verb(session, "received-feedback-summary")
    found: dict = {}
    for s in summaries:
        extensions = s["context"]["extensions"]
        group = next(v for k, v in extensions.items() if k.endswith("/rater-group"))
        raters = next(v for k, v in s["result"]["extensions"].items() if k.endswith("/raters"))
        found.setdefault((s["context"]["registration"], group), []).append(raters)
    with mailbox.lock:
        received = dict(mailbox.received)
    return {
        "invitations_confirmed": len(workload.invited),
        "invitation_mails_missing": sum(1 for a in workload.invited if a not in received),
        "invitation_mails_doubled": sum(1 for n in received.values() if n > 1),
        "invitation_mails_dead": session.scalar(
            select(func.count()).where(FeedbackMail.status == "dead")
        ),
        "rater_answers_confirmed": len(workload.rated),
        "rater_answers_stored_before_an_outage": len(workload.rated_unseen),
        "rater_answers_missing": sum(1 for h in confirmed if h not in answers),
        "rater_answers_confirmed_twice": len(confirmed) - len(set(confirmed)),
        "rater_answers_stored": len(answers),
        "feedback_summary_statements": len(summaries),
        "feedback_summaries_not_matching_answers": sum(
            1
            for key in expected.keys() | found.keys()
            if sorted(expected.get(key, [])) != sorted(found.get(key, []))
        ),
    }


def check_validations(session, workload: Workload, embedded: set, external: set) -> dict:
    """Each confirmed sign-off stored once; each sign-off's `verified` statement queued once."""
    signed = set(
        session.scalars(select(Validation.attempt_id).where(Validation.signed_off_at.is_not(None)))
    )
    verified = queued_with_verb(session, "verified")
    per_attempt = Counter(s["context"]["registration"] for s in verified)
    ids = {s["id"] for s in verified}
    return {
        "validations_signed_off": len(workload.signed_off),
        "validations_confirmed_twice": len(workload.signed_off) - len(set(workload.signed_off)),
        "validations_missing": len(set(workload.signed_off) - signed),
        "validations_stored": len(signed),
        "verified_statements_not_once": sum(
            1 for a in signed | per_attempt.keys() if per_attempt[a] != 1
        ),
        "verified_missing_from_embedded_lrs": len(ids - embedded),
        "verified_missing_from_external_lrs": len(ids - external),
    }


def check_grades(session, workload: Workload, gradebook: Gradebook) -> dict:
    """Every queued score received once per (user, line item, attempt); one per completion.

    The gradebook's copy of a score is known by its user, line item and timestamp (the
    attempt's completion time).
    """
    rows = session.scalars(select(GradeScore)).all()
    queued = Counter(
        (r.user_id, int(r.lineitem.split("/lineitems/")[1].split("/")[0]), r.body["timestamp"])
        for r in rows
    )
    received = Counter((s["userId"], s["lineitem"], s["timestamp"]) for s in gradebook.scores)
    per_attempt = Counter(r.attempt_id for r in rows)
    return {
        "grades_queued": len(rows),
        "grades_received": len(gradebook.scores),
        "grades_not_sent": sum(1 for r in rows if r.status != SENT),
        "grades_dead": sum(1 for r in rows if r.status == DEAD),
        "grades_missing": sum(1 for key in queued if key not in received),
        "grades_received_twice": sum(n - 1 for n in received.values() if n > 1),
        "grades_not_queued": sum(1 for key in received if key not in queued),
        "completions_without_one_grade": sum(
            1 for a in set(workload.completed) if per_attempt[a] != 1
        ),
        "gradebook_refusals": list(gradebook.refusals[:5]),
    }


def errors_logged(run: Run, limit: int = 5) -> list[str]:
    """Return the app instances' error lines (a traceback's last lines kept), for a 5xx's cause."""
    found = []
    for log in sorted(run.tmp.glob("serve-*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for n, line in enumerate(lines):
            if line.startswith("{") and '"level": "error"' in line:
                try:
                    entry = json.loads(line)
                except ValueError:  # a line cut short when its instance was killed
                    entry = {"message": line[:300]}
                tail = entry.get("exception", "").strip().splitlines()[-6:]
                found.append(
                    f"{log.name} {entry.get('time')} {entry.get('path', '')} "
                    f"{entry.get('message')}: " + " | ".join(tail)
                )
            elif "[ERROR]" in line or "[CRITICAL]" in line:
                # gunicorn writes the traceback on the lines after its own
                after = []
                for following in lines[n + 1 : n + 60]:
                    if following.startswith(("[", "{", "127.0.0.1 ")):
                        break
                    after.append(following.strip())
                found.append(f"{log.name} {line} " + " | ".join(after[-6:]))
    return found[:limit]


def check(run: Run, workload: Workload, seconds: float) -> dict:
    """Compare both LRSs, the gradebook and the mail with what the app queued; classify failures."""
    embedded = held_ids(run.database_url)
    external = held_ids(f"sqlite:///{run.tmp / 'external' / 'leadpath.db'}")
    database = Database(run.database_url)
    with database.sessions() as session:
        queued = set(session.scalars(select(OutboxStatement.statement_id)))
        dead = session.scalar(select(func.count()).where(Delivery.status == "dead"))
        results = {
            **check_360(session, workload, run.mailbox, FEEDBACK_STEP),
            **check_validations(session, workload, embedded, external),
            **check_grades(session, workload, run.gradebook),
        }
    database.engine.dispose()
    unexplained = [
        f
        for f in workload.tally.failures
        if not any(start <= f[0] <= until for start, until in run.down)
    ]
    return {
        "statements_queued_by_the_app": len(queued),
        "missing_from_embedded_lrs": len(queued - embedded),
        "missing_from_external_lrs": len(queued - external),
        "dead_letters": dead,
        "lrs_client_statements_stored": len(workload.posted),
        "lrs_client_statements_missing": len(set(workload.posted) - embedded),
        "self_assessments_completed": len(workload.completed),
        "lrs_queries": workload.queries,
        "journeys_restarted_on_an_unexpected_answer": dict(workload.unexpected),
        "answers": dict(workload.tally.statuses),
        "pace": workload.tally.pace(seconds),
        "failures_while_an_instance_was_down": len(workload.tally.failures) - len(unexplained),
        "failures_otherwise": [
            [round(t - START, 1), str(s), m, p] for t, s, m, p in unexplained[:20]
        ],
        "failures_otherwise_count": len(unexplained),
        "errors_logged_by_the_app": errors_logged(run),
        **results,
    }


def soak(
    tmp: Path,
    *,
    database: str,
    seconds: float,
    kill_every: float,
    restart_every: float,
    people: People | None = None,
) -> dict:
    """Run the soak in `tmp`; return its figures (see the module's docstring)."""
    name = None
    if database == "postgresql":
        url, name = create_postgres_database()
        extra = {"redis_url": redis_url()}
    else:
        url, extra = f"sqlite:///{tmp / 'shared.db'}", {}
    run = Run(tmp, url, extra)
    workload = None
    try:
        schema.upgrade(url)
        start(run, seconds / 60)
        workload = Workload(run, people or People())
        workload.start()
        memory_samples = faults(run, workload, seconds, kill_every, restart_every)
        workload.finish()
        run.log("waiting for the forwarders to drain the outbox")
        emptied = drained(run, 180)
        results = check(run, workload, seconds)
        results.update(
            {
                "database": database,
                "seconds": seconds,
                "outbox_drained": emptied,
                "memory_mb": memory_samples,
                "events": run.events,
            }
        )
        return results
    finally:
        if workload is not None:
            workload.stop.set()
        for process in run.forwarders + run.servers + ([run.external] if run.external else []):
            process.stop()
        if run.nginx is not None:
            run.nginx.stop()
        if run.gradebook is not None:
            run.gradebook.__exit__(None, None, None)
        if run.smtp is not None:
            run.smtp.stop()
        if name is not None:
            drop_postgres_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--kill-app-every", type=float, default=7 * 60, help="seconds")
    parser.add_argument("--restart-lrs-every", type=float, default=5 * 60, help="seconds")
    parser.add_argument("--learners", type=int, default=People.learners, help="learners at once")
    parser.add_argument("--think", type=float, default=People.think, help="seconds per page")
    parser.add_argument(
        "--lrs-pause", type=float, default=People.lrs_pause, help="seconds between batches"
    )
    parser.add_argument(
        "--feedback-learners",
        type=int,
        default=People.feedback_learners,
        help="360 learners at once",
    )
    parser.add_argument("--raters", type=int, default=People.raters, help="raters at once")
    parser.add_argument(
        "--supervisors", type=int, default=People.supervisors, help="supervisors at once"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leadpath-soak-") as tmpdir:
        results = soak(
            Path(tmpdir),
            database=args.database,
            seconds=args.minutes * 60,
            kill_every=args.kill_app_every,
            restart_every=args.restart_lrs_every,
            people=People(
                learners=args.learners,
                think=args.think,
                lrs_pause=args.lrs_pause,
                feedback_learners=args.feedback_learners,
                raters=args.raters,
                supervisors=args.supervisors,
            ),
        )
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
