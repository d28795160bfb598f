"""Fill the demo with a cohort: learners followed over years across the three organisations.

Every step goes through leadpath's own pages, as a browser would (a Flask test client): demo
launches, self-assessments, 360 self ratings, invitations answered by raters, supervisors'
sign-offs and link codes that join one learner's accounts. Each step runs on a clock moved back
to its date (`xapi.clock.offset`), so attempts, reviews and statements carry their years. The
embedded LRS then receives the new statements stored at their own time, so the statement
browser shows the years too; the forwarder's later delivery of the same statements is accepted
as already held.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select

from framework.grades import in_scope_domains
from framework.loader import load_bundled
from lti_tool.demo import catalogue as cat
from lti_tool.demo.visits import Browser, revision_on
from xapi import clock

DAY = timedelta(days=1)
COMMENTS = (
    "Brings the team together when the ward is under pressure.",
    "Listens before deciding, and explains the decision afterwards.",
    "Could delegate more; tends to take on every task personally.",
    "Raises safety concerns early and follows them through.",
    "Supportive of students and new starters.",
)
REFLECTIONS = (
    "Led the morning huddle for a month and asked the team what to change.",
    "Chaired the audit meeting and agreed two actions with the pharmacists.",
    "Asked my supervisor for feedback after a difficult handover.",
    "Set up a teaching session for the new students on the ward.",
)


@dataclass
class SeedSummary:
    """What a seeding run added."""

    learners: int = 0
    self_started: int = 0
    self_completed: int = 0
    feedback: int = 0
    raters: int = 0
    signed_off: int = 0
    linked: int = 0
    statements: int = 0

    def line(self) -> str:
        """Return the one-line summary the command prints."""
        return (
            f"Seeded {self.learners} learners: {self.self_started} self-assessments "
            f"({self.self_completed} completed), {self.feedback} 360s answered by "
            f"{self.raters} raters, {self.signed_off} sign-offs, {self.linked} linked "
            f"accounts; {self.statements} statements stored in the embedded LRS."
        )


@dataclass
class Episode:
    """One stretch of a learner's path: an organisation, a date and what they do there."""

    platform: cat.DemoPlatform
    days_ago: int
    level: float  # the stage the learner mostly shows at this point
    finish: bool = True
    feedback: bool = False
    validate: bool = False


@dataclass
class Journey:
    """One cohort learner and the episodes of their path, oldest first."""

    key: str
    episodes: list[Episode] = field(default_factory=list)
    link: bool = True


class Cohort:
    """Builds the journeys of a cohort and walks each one through the pages."""

    def __init__(self, app: Flask, rng: random.Random, run: str):
        self.app = app
        self.rng = rng
        self.run = run
        self.framework = load_bundled()["lf-2011"]
        self.summary = SeedSummary()

    def journeys(self, count: int) -> list[Journey]:
        """Return `count` learners: students now, foundation doctors, and qualified staff."""
        uni, trust, employer = cat.PLATFORMS
        out = []
        for n in range(count):
            j = Journey(f"cohort.{self.run}.{n}", link=self.rng.random() < 0.85)
            start = self.rng.uniform(0.6, 1.4)
            path = n % 3
            if path == 0:  # a student this year and last
                j.episodes = [
                    Episode(uni, 400 + self.rng.randint(0, 60), start),
                    Episode(uni, self.rng.randint(5, 60), start + 0.6, finish=n % 4 != 0),
                ]
            elif path == 1:  # graduated, now a foundation doctor
                j.episodes = [
                    Episode(uni, 1100 + self.rng.randint(0, 60), start),
                    Episode(uni, 750 + self.rng.randint(0, 60), start + 0.5, validate=True),
                    Episode(trust, 300 + self.rng.randint(0, 40), start + 1.0, feedback=True),
                    Episode(trust, self.rng.randint(5, 40), start + 1.4, validate=True),
                ]
            else:  # student, foundation doctor, now qualified and doing CPD
                j.episodes = [
                    Episode(uni, 1460 + self.rng.randint(0, 60), start),
                    Episode(trust, 1000 + self.rng.randint(0, 40), start + 0.9, validate=True),
                    Episode(trust, 700 + self.rng.randint(0, 40), start + 1.3, feedback=True),
                    Episode(
                        employer, self.rng.randint(10, 120), start + 2.0, feedback=True,
                        validate=True,
                    ),
                ]  # fmt: skip
            out.append(j)
        return out

    def walk(self, journey: Journey) -> None:
        """Take one learner through their episodes, each at its own date."""
        browser = Browser(self.app)
        last: tuple[cat.DemoPlatform, cat.Person] | None = None
        for episode in journey.episodes:
            person = episode.platform.person(journey.key)
            with clock.offset(-timedelta(days=episode.days_ago)):
                attempt = self.self_assessment(browser, episode, person)
                if episode.feedback:
                    self.feedback(browser, episode, person)
                if episode.validate and attempt:
                    self.validate(episode, attempt)
                if last and last[0] is not episode.platform and journey.link:
                    self.link(browser, last, (episode.platform, person))
            last = (episode.platform, person)
        self.summary.learners += 1

    def _ratings(self, domain, level: float) -> dict:
        fields = {}
        for element in domain.elements:
            shown = level + self.rng.gauss(0, 0.5)
            for indicator in element.indicators:
                if self.rng.random() < 0.04:
                    value = "unsure"
                elif indicator.stage <= shown:
                    value = str(self.rng.choice((3, 3, 4)))
                else:
                    value = str(self.rng.choice((1, 2, 2)))
                fields["rating:" + indicator.id] = value
            if self.rng.random() < 0.25:
                fields["reflection:" + element.path] = self.rng.choice(REFLECTIONS)
        return fields

    def self_assessment(self, browser: Browser, episode: Episode, person) -> str | None:
        """Answer every domain (or all but the last); return the attempt id when completed."""
        token = browser.launch(episode.platform, "self", person)
        started = browser.post("/assess/start", token, {})
        attempt_id = urlsplit(started.location).path.split("/")[2]
        self.summary.self_started += 1
        scope = in_scope_domains(self.framework, episode.platform.career_phase)
        domains = [d for d in self.framework.domains if d.id in scope]
        for n, domain in enumerate(domains):
            if not episode.finish and n == len(domains) - 1:
                return None
            path = f"/assess/{attempt_id}/domains/{domain.id}"
            page = browser.get(path, token)
            fields = {"revision": revision_on(page), "action": "next"}
            browser.post(path, token, {**fields, **self._ratings(domain, episode.level)})
        finish = browser.get(f"/assess/{attempt_id}/finish", token)
        browser.post(f"/assess/{attempt_id}/complete", token, {"revision": revision_on(finish)})
        self.summary.self_completed += 1
        return attempt_id

    def feedback(self, browser: Browser, episode: Episode, person) -> None:
        """Rate oneself in the 360 and have three to six colleagues answer."""
        token = browser.launch(episode.platform, "360", person)
        revision = 0
        # A 360 covers the rated domains in scope at the career phase (as leadpath sets it up).
        scope = in_scope_domains(self.framework, episode.platform.career_phase)
        domains = [d for d in self.framework.domains if d.id in scope and d.is_rated]
        for domain in domains:
            form = {"domain": domain.id, "revision": str(revision)}
            for element in domain.elements:
                stage = round(episode.level + self.rng.gauss(0.2, 0.6))
                form["stage-" + element.path] = str(min(max(stage, 0), 4))
            browser.post(f"/feedback/self/{domain.id}", token, form)
            revision += 1
        groups = ["line-manager"] + ["peer"] * self.rng.randint(3, 4)
        groups += ["direct-report"] * self.rng.randint(0, 3)
        for group in groups:
            hub = browser.get("/feedback", token)
            invited = re.search(r'name="invited" value="(\d+)"', hub).group(1)
            address = f"rater-{self.rng.randrange(10**9):09d}@colleagues.example"
            form = {"rater_group": group, "invited": invited, "email": address}
            browser.post("/feedback/invitations", token, form, status=(201,))
            rater_path = self._mailed_link(address)
            if self.rng.random() < 0.12:
                continue  # invited, never answered
            form = {}
            for element in (e for d in domains for e in d.elements):
                if self.rng.random() < 0.1:
                    form["stage-" + element.path] = "none"
                else:
                    stage = round(episode.level + self.rng.gauss(0, 0.7))
                    form["stage-" + element.path] = str(min(max(stage, 0), 4))
            if self.rng.random() < 0.6:
                form["comment"] = self.rng.choice(COMMENTS)
            browser.post(rater_path, None, form, status=(200,))
            self.summary.raters += 1
        self.summary.feedback += 1

    def _mailed_link(self, address: str) -> str:
        """Return the rater link leadpath queued in its invitation email to `address`."""
        from lti_tool.assess.models import FeedbackMail
        from lti_tool.db import EXTENSION_KEY

        with self.app.extensions[EXTENSION_KEY].sessions() as session:
            body = session.scalar(
                select(FeedbackMail.body)
                .where(FeedbackMail.to_address == address)
                .order_by(FeedbackMail.id.desc())
                .limit(1)
            )
        return urlsplit(re.search(r"https?://\S+/feedback/r/\S+", body).group(0)).path

    def validate(self, episode: Episode, attempt_id: str) -> None:
        """Have the organisation's supervisor review the attempt and sign it off."""
        supervisor = next(p for p in episode.platform.people if p.key == "mentor")
        browser = Browser(self.app)
        token = browser.launch(episode.platform, "validation", supervisor)
        page = browser.get(f"/validation/attempts/{attempt_id}", token)
        form = {"attempt_id": attempt_id, "action": "signoff"}
        for path, stage in re.findall(r'data-learner-stage="([^"]+)">([^<]*)<', page):
            learner = 0 if stage.startswith("not yet") else int(stage.split(":")[0][-1])
            if self.rng.random() < 0.15:
                learner = max(0, min(4, learner + self.rng.choice((-1, 1))))
                form["comment-" + path] = "Seen on the ward: adjusted after our conversation."
            form["stage-" + path] = str(learner)
        form["comment"] = self.rng.choice(COMMENTS)
        browser.post(f"/validation/attempts/{attempt_id}", token, form, status=(303,))
        self.summary.signed_off += 1

    def link(self, browser: Browser, earlier, now) -> None:
        """Join the learner's account at an earlier organisation to this one with a code."""
        new_token = browser.launch(now[0], "self", now[1])
        page = browser.post("/identity/code", new_token, {}).get_data(as_text=True)
        code = re.search(r'class="link-code"[^>]*><strong>([A-Z0-9-]+)</strong>', page).group(1)
        old_token = Browser(self.app).launch(earlier[0], "self", earlier[1])
        Browser(self.app).post("/identity/link", old_token, {"code": code}, status=(303,))
        self.summary.linked += 1


def _store_in_embedded_lrs(app: Flask, since_seq: int) -> int:
    """Store the new outbox statements in the embedded LRS, each stored at its own timestamp."""
    import json

    from xapi.lrs import store_statements
    from xapi.outbox.embedded import FORWARDER_KEY, EmbeddedSink
    from xapi.outbox.models import OutboxStatement

    db = app.extensions["leadpath.db"]
    sink = EmbeddedSink(db.engine, app.config["LEADPATH"].base_url)
    stored, last = 0, since_seq
    while True:
        with db.sessions() as session:
            rows = session.execute(
                select(OutboxStatement.seq, OutboxStatement.body)
                .where(OutboxStatement.seq > last)
                .order_by(OutboxStatement.seq)
                .limit(500)
            ).all()
        if not rows:
            return stored
        batch = []
        for _, body in rows:
            statement = json.loads(body)
            statement["stored"] = statement["timestamp"]
            batch.append(statement)
        store_statements(
            db.engine,
            batch,
            authority=sink.authority,
            credential=FORWARDER_KEY,
            keep_stored=True,
        )
        stored += len(batch)
        last = rows[-1][0]


def seed_cohort(
    app: Flask,
    learners: int,
    *,
    rng_seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Add `learners` cohort learners to the demo; return what was added."""
    from xapi.outbox.models import OutboxStatement

    db = app.extensions["leadpath.db"]
    with db.sessions() as session:
        mark = session.scalar(select(func.max(OutboxStatement.seq))) or 0
    rng = random.Random(rng_seed)
    cohort = Cohort(app, rng, secrets.token_hex(3))
    with app.app_context():
        from lti_tool.demo.views import ensure_registered

        ensure_registered()
    for journey in cohort.journeys(learners):
        cohort.walk(journey)
        if progress:
            progress(1)
    cohort.summary.statements = _store_in_embedded_lrs(app, mark)
    return cohort.summary


def seed_demo(
    learners: int, *, rng_seed: int | None = None, progress: Callable[[int], None] | None = None
) -> SeedSummary:
    """Build the app from the environment and seed its demo; the background senders stay off.

    The server delivers statements itself; seeding stores its own in the embedded LRS.
    """
    from lti_tool import create_app

    app = create_app()
    for worker in ("leadpath.forwarder", "leadpath.grades"):
        if worker in app.extensions:
            app.extensions[worker].stop(10)
    try:
        return seed_cohort(app, learners, rng_seed=rng_seed, progress=progress)
    finally:
        app.extensions["leadpath.db"].engine.dispose()
