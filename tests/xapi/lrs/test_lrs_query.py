from xapi.lrs import StatementQuery, authority_for, query_statements, store_statements

AUTHORITY = authority_for("query-test", "query test", "https://leadpath.example")


def test_results_are_newest_first_and_paged_by_keyset(engine, make_statement):
    ids = [store_statements(engine, [make_statement()], authority=AUTHORITY)[0] for _ in range(3)]
    agent = make_statement()["actor"]
    first = query_statements(engine, StatementQuery(agent=agent, limit=2))
    assert [s["id"] for s in first.statements()] == ids[:0:-1]
    second = query_statements(engine, StatementQuery(agent=agent, limit=2, after=first.next_after))
    assert [s["id"] for s in second.statements()] == [ids[0]] and second.next_after is None


def test_a_batch_shares_stored_and_keeps_its_order_by_sequence(engine, make_statement):
    ids = store_statements(engine, [make_statement() for _ in range(3)], authority=AUTHORITY)
    page = query_statements(engine, StatementQuery(agent=make_statement()["actor"], ascending=True))
    assert [s["id"] for s in page.statements()] == ids


def test_statements_targeting_a_match_are_matched(engine, make_statement, unique):
    (target,) = store_statements(engine, [make_statement()], authority=AUTHORITY)
    other = make_statement(
        learner=f"other-{unique}",
        verb="commented",
        object={"objectType": "StatementRef", "id": target},
    )
    (ref,) = store_statements(engine, [other], authority=AUTHORITY)
    page = query_statements(engine, StatementQuery(agent=make_statement()["actor"]))
    assert [s["id"] for s in page.statements()] == [ref, target]


def test_learner_and_course_filters_serve_the_browser(engine, make_statement, unique):
    course = f"https://leadpath.example/courses/{unique}"
    statement = make_statement(context={"contextActivities": {"grouping": [{"id": course}]}})
    (sid,) = store_statements(engine, [statement], authority=AUTHORITY)
    page = query_statements(engine, StatementQuery(learner=f"learner-{unique}", course=course))
    assert [s["id"] for s in page.statements()] == [sid]


def test_mine_limits_to_one_credential(engine, make_statement):
    store_statements(engine, [make_statement()], authority=AUTHORITY, credential="k-one")
    (mine,) = store_statements(engine, [make_statement()], authority=AUTHORITY, credential="k-two")
    page = query_statements(engine, StatementQuery(agent=make_statement()["actor"], mine="k-two"))
    assert [s["id"] for s in page.statements()] == [mine]
