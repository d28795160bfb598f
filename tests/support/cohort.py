"""A generated cohort: learners followed over four years across three platforms.

Each learner passes through career phases — undergraduate (a medical school, on the MLCF),
foundation and specialty training (a trust, on the LF), then CPD (an employer) — with a
self-assessment in each, supervisor sign-offs (some with adjusted stages) and 360 feedback.
Most learners linked their accounts, so one learner record holds every platform's account;
the rest kept them apart (one learner record per account).

`generate` makes the cohort as plain data, with the figures a report should show worked out
here on their own (`expected_journey`); `install` writes it into a running app's database as
leadpath would have: platforms, accounts and courses in the tool's tables, attempts and
sign-offs in the assessment tables, and the statements leadpath emits (built by the real
statement builders) stored in the embedded LRS at their own dates. Statements of steps no
report reads (launched, initialized, answered, the 360 self-ratings) are left out to keep the
cohort quick to install.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from framework.crosswalk import crosswalk_between, translate
from framework.iri import domain_iri, element_iri, framework_iri
from framework.loader import load_bundled
from framework.phases import expected_profile
from framework.scoring import round_half_up

CORE = (
    "demonstrating-personal-qualities",
    "working-with-others",
    "managing-services",
    "improving-services",
    "setting-direction",
)
START = datetime(2022, 9, 1, 9, 0, tzinfo=UTC)
FRAMEWORKS = load_bundled()


@dataclass(frozen=True)
class CohortPlatform:
    """One institution: its issuer (made unique per cohort) and name."""

    key: str
    name: str
    issuer: str


@dataclass
class Episode:
    """One self-assessment of a learner, with its sign-off and 360 if they happened."""

    platform: str  # CohortPlatform key
    phase: str
    framework: str
    when: datetime
    stages: dict[str, int]  # element path -> stage
    adjusted: dict[str, int] | None = None  # None: not signed off; {}: signed off unchanged
    raters: list[dict[str, int]] = field(default_factory=list)  # 360 ratings per rater
    attempt_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    feedback_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class CohortLearner:
    """A person: a name, an account per platform, and their episodes oldest first."""

    given_name: str
    family_name: str
    linked: bool
    accounts: dict[str, str]  # platform key -> sub
    episodes: list[Episode]
    learner_ids: dict[str, str] = field(default_factory=dict)  # platform key -> learner id

    @property
    def name(self) -> str:
        """Return the full name."""
        return f"{self.given_name} {self.family_name}"


@dataclass
class Cohort:
    """The platforms and learners of one generated cohort."""

    tag: str
    platforms: dict[str, CohortPlatform]
    learners: list[CohortLearner]

    def statement_count(self) -> int:
        """Return how many statements `install` stores."""
        total = 0
        for learner in self.learners:
            for e in learner.episodes:
                total += 1 + len(e.stages)
                if e.adjusted is not None:
                    total += 1 + len(e.adjusted)
                total += sum(len(r) for r in e.raters)
        return total


GIVEN = ("Alex", "Sam", "Priya", "Tomasz", "Aisha", "Owen", "Mei", "Kofi", "Ruth", "Dev")
FAMILY = ("Morgan", "Patel", "Nowak", "Okafor", "Jones", "Chen", "Hughes", "Ali", "Evans")
PATH = (  # (platform, phase, framework, months after the start)
    ("university", "medical-student", "mlcf-2010", 0),
    ("trust", "f1", "lf-2011", 12),
    ("trust", "f2", "lf-2011", 24),
    ("trust", "core-training", "lf-2011", 36),
    ("employer", "cpd", "lf-2011", 44),
)


def core_elements(framework_id: str) -> list[str]:
    """Return the element paths of the five core domains of a framework."""
    fw = FRAMEWORKS[framework_id]
    return [e.path for d in fw.domains if d.id in CORE for e in d.elements]


def generate(learners: int = 200, *, seed: int = 12, tag: str | None = None) -> Cohort:
    """Return a cohort of `learners` learners (plain data, nothing written)."""
    rng = random.Random(seed)
    tag = tag or uuid.uuid4().hex[:8]
    platforms = {
        "university": CohortPlatform(
            "university", "University of Northfield Medical School", f"https://uni-{tag}.example"
        ),
        "trust": CohortPlatform(
            "trust", "Northfield Teaching Hospitals NHS Trust", f"https://trust-{tag}.example"
        ),
        "employer": CohortPlatform(
            "employer", "Northfield Community Health", f"https://employer-{tag}.example"
        ),
    }
    out = []
    for n in range(learners):
        offset = timedelta(days=rng.randint(0, 364))
        steps = rng.randint(1, len(PATH))
        first = rng.randint(0, len(PATH) - steps)
        level = rng.uniform(0.6, 1.4)
        episodes = []
        for platform, phase, fid, months in PATH[first : first + steps]:
            level += 0.45
            when = START + offset + timedelta(days=30 * (months - PATH[first][3]))
            stages = {
                p: max(0, min(4, round(level + rng.gauss(0, 0.6)))) for p in core_elements(fid)
            }
            episode = Episode(platform, phase, fid, when, stages)
            if platform != "university" and rng.random() < 0.7:
                changed = {
                    p: max(0, min(4, s + rng.choice((-1, 1))))
                    for p, s in stages.items()
                    if rng.random() < 0.1
                }
                episode.adjusted = {p: s for p, s in changed.items() if s != stages[p]}
            if platform != "university" and rng.random() < 0.4:
                episode.raters = [
                    {
                        p: max(0, min(4, round(level + rng.gauss(0, 0.7))))
                        for p in stages
                        if rng.random() < 0.9
                    }
                    for _ in range(rng.randint(3, 5))
                ]
            episodes.append(episode)
        accounts = {e.platform: f"{e.platform}-{n}-{tag}" for e in episodes}
        out.append(
            CohortLearner(
                GIVEN[n % len(GIVEN)],
                f"{FAMILY[n % len(FAMILY)]}-{n}",
                linked=rng.random() < 0.85,
                accounts=accounts,
                episodes=episodes,
            )
        )
    return Cohort(tag, platforms, out)


def _mean(values: list[int]) -> float | None:
    return round_half_up(Fraction(sum(values), len(values))) if values else None


def _by_domain(framework_id: str, stages: dict[str, int]) -> dict[str, float]:
    fw = FRAMEWORKS[framework_id]
    out = {}
    for domain in fw.domains:
        values = [stages[e.path] for e in domain.elements if e.path in stages]
        if values:
            out[domain.id] = _mean(values)
    return out


def expected_journey(cohort: Cohort, learner: CohortLearner, platform: str) -> list[dict]:
    """Return the journey entries of the learner record holding `platform`'s account.

    Worked out from the generated data alone, oldest first: each self-assessment (domain
    means, the phase's expected stages, and for attempts on another framework than the
    newest the indicative domain means through the crosswalk), each 360 (raters, domain means
    of every rating) and each sign-off (domain means after adjustment, whether adjusted).
    """
    platforms = list(learner.accounts) if learner.linked else [platform]
    episodes = [e for e in learner.episodes if e.platform in platforms]
    current = episodes[-1].framework
    entries = []
    for e in episodes:
        common = {
            "platform": cohort.platforms[e.platform].name,
            "phase": e.phase,
            "framework": e.framework,
            "expected": {},
            "raters": 0,
            "adjusted": None,
            "crosswalk": None,
        }
        own = _by_domain(e.framework, e.stages)
        entry = {**common, "kind": "self-assessment", "registration": e.attempt_id}
        entry.update(date=e.when.date().isoformat(), domains=own)
        entry["expected"] = {
            d: s for d, s in expected_profile(e.phase).items() if s is not None and d in own
        }
        if e.framework != current:
            mapped = translate(e.stages, crosswalk_between(e.framework, current))
            entry["crosswalk"] = _by_domain(current, mapped)
        entries.append((0, entry))
        if e.raters:
            rows = [(p, st) for r in e.raters for p, st in r.items()]
            fw = FRAMEWORKS[e.framework]
            entries.append(
                (1, {
                    **common, "kind": "multi-source feedback summary",
                    "registration": e.feedback_id,
                    "date": (e.when + timedelta(days=6 + len(e.raters))).date().isoformat(),
                    "raters": len([r for r in e.raters if r]),
                    "domains": {
                        d.id: _mean([st for p, st in rows if fw.element(p).domain_id == d.id])
                        for d in fw.domains
                        if any(fw.element(p).domain_id == d.id for p, _ in rows)
                    },
                })
            )  # fmt: skip
        if e.adjusted is not None:
            entries.append(
                (2, {
                    **common, "kind": "supervisor sign-off", "registration": e.attempt_id,
                    "date": (e.when + timedelta(days=14)).date().isoformat(),
                    "domains": _by_domain(e.framework, {**e.stages, **e.adjusted}),
                    "adjusted": bool(e.adjusted),
                })
            )  # fmt: skip
    entries.sort(key=lambda pair: (pair[1]["date"], pair[0]))
    keys = ("kind", "registration", "date", "platform", "phase", "framework", "domains",
            "expected", "raters", "adjusted", "crosswalk")  # fmt: skip
    return [{k: entry[k] for k in keys} for _, entry in entries]


# --- writing the cohort into an app -------------------------------------------------------


def install(cohort: Cohort, app, *, batch: int = 2000, base_url: str | None = None) -> int:
    """Write the cohort into the app's database and embedded LRS; return statements stored.

    `base_url` names the deployment the statements are for (the app's own by default), for
    a server of the same database at another address.
    """
    from lti_tool.assess.framework_versions import current_version, ensure_bundled
    from lti_tool.assess.models import COMPLETED, FEEDBACK_360, SELF, Attempt, Validation
    from lti_tool.assess.models import ValidationElement as VElement
    from lti_tool.models import Course, Learner, Platform, PlatformUser
    from xapi.lrs import formats, store_statements
    from xapi.outbox.embedded import FORWARDER_KEY, EmbeddedSink

    db = app.extensions["leadpath.db"]
    base = base_url or app.config["LEADPATH"].base_url
    statements: list[dict] = []
    with db.sessions() as session:
        ensure_bundled(session)
        versions = {fid: current_version(session, fid) for fid in ("mlcf-2010", "lf-2011")}
        supervisors, courses = {}, {}
        for key, p in cohort.platforms.items():
            session.add(
                Platform(
                    issuer=p.issuer,
                    client_id=f"client-{key}",
                    auth_login_url=p.issuer + "/auth",
                    auth_token_url=p.issuer + "/token",
                    name=p.name,
                )
            )
            supervisor = Learner()
            session.add(supervisor)
            session.flush()
            user = PlatformUser(
                issuer=p.issuer, sub=f"supervisor-{key}", learner_id=supervisor.id,
                given_name="Dr", family_name=f"Supervisor of {key}",
            )  # fmt: skip
            session.add(user)
            session.flush()
            supervisors[key] = user
        for learner in cohort.learners:
            shared = Learner() if learner.linked else None
            users = {}
            for key, sub in learner.accounts.items():
                record = shared or Learner()
                session.add(record)
                session.flush()
                learner.learner_ids[key] = record.id
                users[key] = PlatformUser(
                    issuer=cohort.platforms[key].issuer, sub=sub, learner_id=record.id,
                    given_name=learner.given_name, family_name=learner.family_name,
                )  # fmt: skip
                session.add(users[key])
            session.flush()
            for e in learner.episodes:
                p = cohort.platforms[e.platform]
                course = courses.get((e.platform, e.phase))
                if course is None:
                    course = Course(
                        issuer=p.issuer, deployment_id="1", context_id=f"{e.phase}-{cohort.tag}",
                        title=f"Leadership: {e.phase}",
                    )  # fmt: skip
                    session.add(course)
                    session.flush()
                    courses[(e.platform, e.phase)] = course
                user = users[e.platform]
                by_domain = _by_domain(e.framework, e.stages)
                expected = expected_profile(e.phase)
                session.add(
                    Attempt(
                        id=e.attempt_id, kind=SELF, learner_id=user.learner_id,
                        platform_user_id=user.id, course_id=course.id,
                        framework_version_id=versions[e.framework].id, career_phase=e.phase,
                        domains=list(by_domain), status=COMPLETED, started_at=e.when,
                        updated_at=e.when, completed_at=e.when,
                        result={
                            "career_phase": e.phase,
                            "domains": {
                                d: {"mean": m, "expected": expected.get(d)}
                                for d, m in by_domain.items()
                            },
                            "elements": {p: {"attained": s} for p, s in e.stages.items()},
                        },
                    )
                )  # fmt: skip
                if e.raters:
                    session.add(
                        Attempt(
                            id=e.feedback_id, kind=FEEDBACK_360, learner_id=user.learner_id,
                            platform_user_id=user.id, course_id=course.id,
                            framework_version_id=versions[e.framework].id,
                            career_phase=e.phase, status=COMPLETED, started_at=e.when,
                            updated_at=e.when, completed_at=e.when,
                        )
                    )  # fmt: skip
                session.flush()
                if e.adjusted is not None:
                    v = Validation(
                        attempt_id=e.attempt_id, supervisor_id=supervisors[e.platform].id,
                        created_at=e.when, signed_off_at=e.when + timedelta(days=14),
                    )  # fmt: skip
                    v.elements = [
                        VElement(element_path=path, learner_stage=s,
                                 confirmed_stage=e.adjusted.get(path, s))
                        for path, s in e.stages.items()
                    ]  # fmt: skip
                    session.add(v)
                statements += episode_statements(
                    base, p, course, user, supervisors[e.platform].learner_id, e
                )
        session.commit()
    sink = EmbeddedSink(db.engine, base)
    for start in range(0, len(statements), batch):
        chunk = statements[start : start + batch]
        now = formats.now_micros()
        for s in chunk:
            # Stored when it happened, but never later than now: an LRS stores nothing in the
            # future, and later tests read "everything stored since a moment ago".
            when = formats.to_micros(formats.parse_timestamp(s["timestamp"]))
            s["stored"] = s["timestamp"] if when <= now else formats.format_micros(now)
        store_statements(
            db.engine, chunk, authority=sink.authority, credential=FORWARDER_KEY, keep_stored=True
        )
    return len(statements)


def episode_statements(base, platform, course, user, supervisor_id, e: Episode) -> list[dict]:
    """Return the statements leadpath emits for one episode, built by its own builders."""
    from xapi import statements as xs

    fw = FRAMEWORKS[e.framework]
    expected = expected_profile(e.phase)

    def ctx(phase=e.phase):
        return xs.LaunchContext(
            base_url=base, learner_id=user.learner_id, issuer=platform.issuer,
            deployment_id="1", resource_link_id=f"link-{e.phase}", context_id=course.context_id,
            context_title=course.title, career_phase=phase,
            framework_iri=framework_iri(base, e.framework), framework_version=fw.version,
            framework_title=fw.title,
        )  # fmt: skip

    def element(path):
        el = fw.element(path)
        domain = fw.domain(el.domain_id)
        return {
            "element_iri": element_iri(base, e.framework, path),
            "element_title": el.title,
            "domain_iri": domain_iri(base, e.framework, domain.id),
            "domain_title": domain.title,
        }

    out = []
    completed_id = str(uuid.uuid4())
    by_domain = _by_domain(e.framework, e.stages)
    mean = sum(e.stages.values()) / len(e.stages)
    met = all(by_domain[d] >= (expected.get(d) or 0) for d in by_domain)
    out.append(
        xs.build_completed(
            ctx(),
            xs.Completed(
                attempt_id=e.attempt_id, assessment_title=f"{fw.title} self-assessment",
                score_raw=round(mean, 4), score_max=4.0, met_expected_stage=met,
                duration=timedelta(minutes=20),
            ),
            statement_id=completed_id, timestamp=e.when,
        )
    )  # fmt: skip
    for n, (path, stage) in enumerate(e.stages.items()):
        event = xs.CompetencyEvent(
            attempt_id=e.attempt_id, **element(path), stage=stage,
            expected_stage=expected.get(fw.element(path).domain_id), evidence=(completed_id,),
        )  # fmt: skip
        out.append(
            xs.build_competency_assessed(ctx(), event, timestamp=e.when + timedelta(seconds=n + 1))
        )
    if e.adjusted is not None:
        signed = e.when + timedelta(days=14)
        verified = xs.build_validated(
            ctx(),
            xs.Validated(
                attempt_id=e.attempt_id, assessment_title="Leadership self-assessment",
                supervisor_id=supervisor_id, agreed=not e.adjusted,
            ),
            timestamp=signed,
        )  # fmt: skip
        out.append(verified)
        for n, (path, stage) in enumerate(e.adjusted.items()):
            event = xs.CompetencyEvent(
                attempt_id=e.attempt_id, **element(path), stage=stage,
                expected_stage=expected.get(fw.element(path).domain_id),
                evidence=(verified["id"],),
            )  # fmt: skip
            out.append(
                xs.build_competency_asserted(
                    ctx(), event, timestamp=signed + timedelta(seconds=n + 1)
                )
            )
    for r, ratings in enumerate(e.raters):
        rated_at = e.when + timedelta(days=7 + r)
        group = "line-manager" if r == 0 else "peer"
        for n, (path, stage) in enumerate(ratings.items()):
            event = xs.Rated(
                attempt_id=e.feedback_id, assessment_title="360 feedback", **element(path),
                ratings={}, stage=stage, invite_id=f"{e.feedback_id[:30]}-{r}",
                rater_group=group,
            )  # fmt: skip
            out.append(xs.build_rated(ctx(), event, timestamp=rated_at + timedelta(seconds=n)))
    return out
