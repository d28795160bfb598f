"""A learner's journey, worked out from the statements about them.

Three kinds of entry, each the evidence an ePortfolio files: a *self-assessment* (`completed`,
with the `assessed` stage of each element), a *supervisor sign-off* (`verified`, with the
`asserted` stages of the elements the supervisor adjusted) and a *multi-source feedback
summary* (a 360's `received feedback summary` statements: how many raters, the mean stage
per domain — never who rated what; earlier 360s told by their `rated` statements). Each
entry keeps the platform (institution), career phase, framework and date it was made at.
Figures per domain are the mean of the element stages, as the results page gives them.

Where an earlier self-assessment used another framework than the newest, its stages are also
read through the crosswalk to the framework in use now: indicative, as the crosswalk says.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from fractions import Fraction

from framework.crosswalk import CrosswalkNotInvertibleError, crosswalk_between, translate
from framework.scoring import round_half_up
from xapi.statements import vocabulary as v

SELF_ASSESSMENT = "self-assessment"
SIGN_OFF = "supervisor sign-off"
FEEDBACK = "multi-source feedback summary"
KIND_ORDER = {SELF_ASSESSMENT: 0, FEEDBACK: 1, SIGN_OFF: 2}


@dataclass
class Entry:
    """One piece of evidence on the journey."""

    kind: str
    registration: str
    date: str  # ISO date of the statement that made it
    issuer: str | None
    platform: str | None
    course: str | None
    phase: str | None
    framework: str | None
    framework_title: str | None
    domains: dict[str, float] = field(default_factory=dict)
    domain_titles: dict[str, str] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    raters: int = 0
    adjusted: bool | None = None
    crosswalk: dict[str, float] | None = None
    statements: list[str] = field(default_factory=list)


@dataclass
class Journey:
    """Every entry of one learner, oldest first, and the framework in use now."""

    learner_id: str
    entries: list[Entry]
    framework: str | None

    def figures(self) -> dict:
        """Return the journey's figures as plain data (what reports and exports give)."""
        return {
            "learner": self.learner_id,
            "framework": self.framework,
            "entries": [asdict(e) for e in self.entries],
        }


def _mean(values: list[int]) -> float:
    return round_half_up(Fraction(sum(values), len(values)))


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


class _Reader:
    """Reads the parts of leadpath statements a journey needs."""

    def __init__(self, base_url: str):
        self.verb = {
            c.iri(base_url): c
            for c in (v.COMPLETED, v.ASSESSED, v.ASSERTED, v.VERIFIED, v.RATED, v.FEEDBACK_SUMMARY)
        }
        self.mean, self.raters = v.MEAN_STAGE.iri(base_url), v.RATERS.iri(base_url)
        self.group = v.RATER_GROUP.iri(base_url)
        self.iri = {c: c.iri(base_url) for c in (v.LTI_ISSUER, v.CAREER_PHASE, v.EVIDENCE)}
        self.stage, self.expected = v.STAGE.iri(base_url), v.EXPECTED_STAGE.iri(base_url)
        self.adjusted = v.ADJUSTED.iri(base_url)
        self.types = {v.FRAMEWORK.iri(base_url): "framework", v.DOMAIN.iri(base_url): "domain"}
        self.types[v.COURSE.iri(base_url)] = "course"

    def grouping(self, statement: dict) -> dict[str, tuple[str, str | None]]:
        found = {}
        activities = statement.get("context", {}).get("contextActivities", {})
        for item in activities.get("grouping", []):
            kind = self.types.get(item.get("definition", {}).get("type"))
            if kind:
                name = item.get("definition", {}).get("name", {})
                found[kind] = (item["id"], name.get("en") or next(iter(name.values()), None))
        return found

    def entry(self, kind: str, statement: dict) -> Entry:
        context = statement.get("context", {})
        extensions = context.get("extensions", {})
        grouping = self.grouping(statement)
        framework = grouping.get("framework")
        return Entry(
            kind=kind,
            registration=context.get("registration", ""),
            date=statement["timestamp"][:10],
            issuer=extensions.get(self.iri[v.LTI_ISSUER]),
            platform=None,
            course=grouping.get("course", (None, None))[1],
            phase=extensions.get(self.iri[v.CAREER_PHASE]),
            framework=_tail(framework[0]) if framework else None,
            framework_title=framework[1] if framework else None,
        )


def build_journey(
    statements: list[dict],
    base_url: str,
    learner_id: str,
    platform_names: dict[str, str] | None = None,
) -> Journey:
    """Return the journey the statements about a learner tell (statements in any order)."""
    r = _Reader(base_url)
    names = platform_names or {}
    firsts: dict[tuple[str, str], Entry] = {}
    stages: dict[str, dict[str, tuple[str, str | None, int, int | None]]] = defaultdict(dict)
    asserted: dict[str, dict[str, int]] = defaultdict(dict)  # verified id -> element -> stage
    ratings: dict[str, list[tuple[str, str, str | None, int]]] = defaultdict(list)
    summaries: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    ordered = sorted(statements, key=lambda s: (s.get("timestamp", ""), s["id"]))
    for s in ordered:
        concept = r.verb.get(s["verb"]["id"])
        registration = s.get("context", {}).get("registration")
        if concept is None or not registration:
            continue
        result = (s.get("result") or {}).get("extensions", {})
        if concept is v.COMPLETED and s["actor"].get("account", {}).get("name") == learner_id:
            entry = firsts.setdefault((SELF_ASSESSMENT, registration), r.entry(SELF_ASSESSMENT, s))
            entry.statements.append(s["id"])
        elif concept is v.ASSESSED and r.stage in result:
            domain = r.grouping(s).get("domain", (None, None))
            stages[registration][s["object"]["id"]] = (
                *domain,
                int(result[r.stage]),
                result.get(r.expected),
            )
        elif concept is v.VERIFIED:
            entry = r.entry(SIGN_OFF, s)
            firsts[(SIGN_OFF, registration)] = entry
            entry.statements.append(s["id"])
            entry.adjusted = bool(
                result.get(r.adjusted, s.get("result", {}).get("success") is False)
            )
        elif concept is v.ASSERTED and r.stage in result:
            for evidence in s.get("context", {}).get("extensions", {}).get(r.iri[v.EVIDENCE]) or ():
                asserted[evidence][s["object"]["id"]] = int(result[r.stage])
        elif concept is v.FEEDBACK_SUMMARY and r.mean in result and r.raters in result:
            entry = firsts.setdefault((FEEDBACK, registration), r.entry(FEEDBACK, s))
            entry.date = s["timestamp"][:10]
            entry.statements.append(s["id"])
            domain = r.grouping(s).get("domain", (None, None))
            group = s.get("context", {}).get("extensions", {}).get(r.group)
            # The largest step of a group on an element covers every answer before it.
            key, raters = (group, s["object"]["id"]), int(result[r.raters])
            if raters >= summaries[registration].get(key, (0, 0, 0, 0))[3]:
                summaries[registration][key] = (*domain, Fraction(str(result[r.mean])), raters)
        elif concept is v.RATED and r.stage in result:
            entry = firsts.setdefault((FEEDBACK, registration), r.entry(FEEDBACK, s))
            entry.date = s["timestamp"][:10]
            domain = r.grouping(s).get("domain", (None, None))
            ratings[registration].append((s["actor"]["account"]["name"], *domain, result[r.stage]))
    entries = []
    for (kind, registration), entry in firsts.items():
        entry.platform = names.get(entry.issuer or "", entry.issuer)
        if kind == SELF_ASSESSMENT:
            _fill_stages(entry, stages[registration].values())
            entry.expected = {
                _tail(d): e for d, _, _, e in stages[registration].values() if e is not None
            }
        elif kind == SIGN_OFF:
            own = stages[registration]
            changed = asserted.get(entry.statements[0], {})
            merged = [(d, t, changed.get(el, st), None) for el, (d, t, st, _) in own.items()]
            _fill_stages(entry, merged)
        elif summaries[registration]:
            _fill_summaries(entry, summaries[registration])
        else:
            rows = ratings[registration]
            entry.raters = len({rater for rater, *_ in rows})
            _fill_stages(entry, [(d, t, st, None) for _, d, t, st in rows])
        if entry.domains or kind != SELF_ASSESSMENT:
            entries.append(entry)
    entries.sort(key=lambda e: (e.date, KIND_ORDER[e.kind]))
    selves = [e for e in entries if e.kind == SELF_ASSESSMENT]
    current = selves[-1].framework if selves else None
    for entry in selves:
        if entry.framework and current and entry.framework != current:
            elements = {
                _element_path(el): st for el, (_, _, st, _) in stages[entry.registration].items()
            }
            entry.crosswalk = _through_crosswalk(elements, entry.framework, current)
    return Journey(learner_id, entries, current)


def _element_path(element_iri: str) -> str:
    return "/".join(element_iri.rstrip("/").split("/")[-2:])


def _fill_stages(entry: Entry, rows) -> None:
    per_domain: dict[str, list[int]] = defaultdict(list)
    for domain, title, stage, _ in rows:
        if domain:
            per_domain[_tail(domain)].append(int(stage))
            entry.domain_titles[_tail(domain)] = title or _tail(domain)
    entry.domains = {d: _mean(values) for d, values in per_domain.items()}


def _fill_summaries(entry: Entry, steps: dict[tuple, tuple]) -> None:
    """Pool group means per domain, weighted by their raters; count the raters per group."""
    totals: dict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    most: dict[str, int] = defaultdict(int)
    for (group, _), (domain, title, mean, raters) in steps.items():
        most[group] = max(most[group], raters)
        if domain:
            totals[_tail(domain)][0] += mean * raters
            totals[_tail(domain)][1] += raters
            entry.domain_titles[_tail(domain)] = title or _tail(domain)
    entry.raters = sum(most.values())
    entry.domains = {d: round_half_up(total / count) for d, (total, count) in totals.items()}


def _through_crosswalk(elements: dict[str, int], source: str, target: str):
    from framework.loader import load_bundled

    try:
        walk = crosswalk_between(source, target)
    except (KeyError, CrosswalkNotInvertibleError):
        return None
    mapped = translate(elements, walk)
    frameworks = load_bundled()
    if target not in frameworks:
        return None
    out = {}
    for domain in frameworks[target].domains:
        values = [mapped[e.path] for e in domain.elements if e.path in mapped]
        if values:
            out[domain.id] = _mean(values)
    return out
