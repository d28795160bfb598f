"""Counts, per-day and per-verb figures and name search for a statement browser."""

from datetime import UTC, date, datetime

from xapi.lrs import StatementQuery, authority_for, query_statements, store_statements
from xapi.lrs.browse import (
    count_matching,
    figures,
    find_activities,
    holds_learner,
    voided_among,
)

AUTHORITY = authority_for("browse-test", "browse test", "https://leadpath.example")
VERBS = "http://adlnet.gov/expapi/verbs/"


def _on(statement, day: str):
    statement["stored"] = f"{day}T10:00:00.000Z"
    statement["timestamp"] = statement["stored"]
    return statement


def test_count_and_figures_follow_the_filter(engine, make_statement, unique):
    learner = f"learner-{unique}"
    batch = [
        _on(make_statement(), "2025-03-01"),
        _on(make_statement(), "2025-03-01"),
        _on(make_statement(verb="completed"), "2025-03-03"),
        _on(make_statement(verb="completed"), "2025-03-04"),
        _on(make_statement(learner=f"someone-else-{unique}"), "2025-03-04"),
    ]
    store_statements(engine, batch, authority=AUTHORITY, keep_stored=True)
    q = StatementQuery(learner=learner)
    assert count_matching(engine, q) == 4
    fig = figures(engine, q)
    assert fig.per_day == [(date(2025, 3, 1), 2), (date(2025, 3, 3), 1), (date(2025, 3, 4), 1)]
    assert fig.per_verb == [
        (VERBS + "attempted", "attempted", 2),
        (VERBS + "completed", "completed", 2),
    ]
    assert fig.counted == 4 and not fig.capped
    capped = figures(engine, q, cap=3)
    assert capped.capped and sum(n for _, n in capped.per_day) == 3
    newest_three = [(date(2025, 3, 1), 1), (date(2025, 3, 3), 1), (date(2025, 3, 4), 1)]
    assert capped.per_day == newest_three
    q.verb = VERBS + "completed"
    assert count_matching(engine, q) == 2


def test_voided_statements_are_counted_and_listed_only_on_request(engine, make_statement, unique):
    (target,) = store_statements(engine, [make_statement()], authority=AUTHORITY)
    voiding = make_statement(verb="voided", object={"objectType": "StatementRef", "id": target})
    voiding["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    store_statements(engine, [voiding], authority=AUTHORITY)
    plain = StatementQuery(learner=f"learner-{unique}")
    listed = [s["id"] for s in query_statements(engine, plain).statements()]
    assert target not in listed and count_matching(engine, plain) == 1  # the voiding one
    everything = StatementQuery(learner=f"learner-{unique}", include_voided=True)
    assert target in [s["id"] for s in query_statements(engine, everything).statements()]
    assert count_matching(engine, everything) == 2
    assert voided_among(engine, listed + [target]) == {target}


def test_activities_are_found_by_name_and_learners_by_account(engine, make_statement, unique):
    statement = make_statement()
    statement["object"]["definition"]["name"] = {"en-GB": f"Team huddle {unique}"}
    store_statements(engine, [statement], authority=AUTHORITY)
    found = find_activities(engine, f"HUDDLE {unique}")
    assert found == [(statement["object"]["id"], f"Team huddle {unique}")]
    assert find_activities(engine, f"nothing-like-{unique}") == []
    assert find_activities(engine, "100%_") == []  # LIKE wildcards are taken literally
    assert holds_learner(engine, f"learner-{unique}")
    assert not holds_learner(engine, f"nobody-{unique}")


def test_figures_are_dated_in_utc(engine, make_statement, unique):
    late = _on(make_statement(), "2025-06-30")
    late["stored"] = "2025-06-30T23:59:59.000Z"
    store_statements(engine, [late], authority=AUTHORITY, keep_stored=True)
    fig = figures(engine, StatementQuery(learner=f"learner-{unique}"))
    assert fig.per_day == [(datetime(2025, 6, 30, tzinfo=UTC).date(), 1)]
