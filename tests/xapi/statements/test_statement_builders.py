import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.xapi.statements.statement_samples import (
    ATTEMPT,
    BASE,
    DOMAIN,
    ELEMENT,
    FRAMEWORK,
    SUPERVISOR,
    build_all,
    make_context,
)
from xapi import statements as st
from xapi.statements import iris
from xapi.statements.assembly import format_duration, format_timestamp

KINDS = [
    "launched",
    "initialized",
    "answered",
    "suspended",
    "resumed",
    "completed",
    "validated",
    "rated",
    "competency-assessed",
    "competency-asserted",
    "identity-linked",
    "identity-unlinked",
    "consent-given",
    "consent-withdrawn",
]
ATTEMPT_KINDS = [k for k in KINDS if not k.startswith(("identity-", "consent-"))]
PROFILE = f"{BASE}/xapi/profile"
EXT = f"{PROFILE}/extensions"
ISSUER_KEY = hashlib.sha256(b"https://moodle.example.ac.uk").hexdigest()[:16]
RESOURCE_LINK = f"{BASE}/lti/platforms/{ISSUER_KEY}/resource-links/rl%2F42%20a"
COURSE = f"{BASE}/lti/platforms/{ISSUER_KEY}/contexts/course%207"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def ids(activities):
    return [a["id"] for a in activities]


@pytest.mark.parametrize("kind", KINDS)
def test_every_statement_has_its_own_uuid_a_millisecond_utc_timestamp_and_no_version(
    statements, kind
):
    statement = statements[kind]
    assert uuid.UUID(statement["id"]).version == 4
    assert TIMESTAMP.match(statement["timestamp"])
    assert statement["timestamp"] == "2026-11-26T14:03:01.123Z"
    assert "version" not in statement


def test_each_build_gets_a_fresh_id_unless_one_is_given(ctx):
    first, second = st.build_launched(ctx), st.build_launched(ctx)
    assert first["id"] != second["id"]
    chosen = str(uuid.uuid4())
    assert st.build_launched(ctx, statement_id=chosen)["id"] == chosen


def test_timestamp_defaults_to_now_in_utc(ctx):
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = datetime.fromisoformat(st.build_launched(ctx)["timestamp"].replace("Z", "+00:00"))
    assert before <= stamp <= datetime.now(UTC)


@pytest.mark.parametrize("kind", ["launched", "answered", "completed", "competency-assessed"])
def test_learner_actor_is_only_the_tool_scoped_account_by_default(kind):
    statement = build_all(make_context(include_pii=False))[kind]
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": BASE, "name": "0b6f1d3e-4c1a-4d8e-9a51-3c2b7e1f0a11"},
    }


@pytest.mark.parametrize("kind", ["launched", "answered", "completed", "identity-linked"])
def test_learner_name_appears_only_with_include_pii(kind):
    statement = build_all(make_context(include_pii=True))[kind]
    assert statement["actor"]["name"] == "Ada Lovelace"
    assert statement["actor"]["account"]["homePage"] == BASE
    assert "mbox" not in statement["actor"]


@pytest.mark.parametrize("include_pii", [False, True])
def test_no_statement_ever_carries_an_email_address(include_pii):
    for statement in build_all(make_context(include_pii=include_pii)).values():
        assert "mbox" not in statement["actor"]
        assert "mailto:" not in str(statement)


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_attempt_statements_carry_the_attempt_as_registration(statements, kind):
    assert statements[kind]["context"]["registration"] == ATTEMPT


@pytest.mark.parametrize("kind", ["identity-linked", "identity-unlinked"])
def test_identity_statements_belong_to_no_attempt(statements, kind):
    assert "registration" not in statements[kind]["context"]


def test_launch_outside_an_attempt_has_no_registration(ctx):
    assert "registration" not in st.build_launched(ctx)["context"]


@pytest.mark.parametrize("kind", KINDS)
def test_context_names_course_framework_profile_and_platform(statements, kind):
    context = statements[kind]["context"]
    activities = context["contextActivities"]
    assert ids(activities["grouping"])[:2] == [COURSE, FRAMEWORK]
    assert activities["grouping"][0]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/course"
    )
    assert activities["category"] == [
        {
            "id": PROFILE,
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
        }
    ]
    assert context["platform"] == "Moodle"
    for key, value in {
        "lti-issuer": "https://moodle.example.ac.uk",
        "lti-deployment-id": "deployment-1",
        "lti-context-id": "course 7",
        "career-phase": "postgraduate",
        "framework-version": "2011.1",
    }.items():
        assert context["extensions"][f"{EXT}/{key}"] == value


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "launched"])
def test_parent_is_the_lti_resource_link(statements, kind):
    parent = statements[kind]["context"]["contextActivities"]["parent"]
    assert ids(parent) == [RESOURCE_LINK]
    assert parent[0]["definition"]["type"] == "http://adlnet.gov/expapi/activities/link"


def test_launched_object_is_the_resource_link_so_it_has_no_parent(statements):
    launched = statements["launched"]
    assert launched["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert launched["object"]["id"] == RESOURCE_LINK
    assert launched["object"]["definition"]["name"] == {"en": "Leadership self-assessment"}
    assert "parent" not in launched["context"]["contextActivities"]


@pytest.mark.parametrize("kind", ["answered", "rated", "competency-assessed"])
def test_element_statements_add_the_domain_to_grouping(statements, kind):
    grouping = statements[kind]["context"]["contextActivities"]["grouping"]
    assert ids(grouping) == [COURSE, FRAMEWORK, DOMAIN]


def test_optional_launch_values_are_left_out_when_the_platform_sent_none():
    ctx = make_context(
        context_id=None, context_title=None, platform_product=None, career_phase=None
    )
    context = st.build_initialized(ctx, st.AttemptEvent(attempt_id=ATTEMPT))["context"]
    assert ids(context["contextActivities"]["grouping"]) == [FRAMEWORK]
    assert "platform" not in context
    assert f"{EXT}/lti-context-id" not in context["extensions"]
    assert f"{EXT}/career-phase" not in context["extensions"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_verb_displays_in_en_and_en_gb(statements, kind):
    display = statements[kind]["verb"]["display"]
    assert display["en"] and display["en-GB"] == display["en"]


@pytest.mark.parametrize(
    ("kind", "verb"),
    [
        ("initialized", "http://adlnet.gov/expapi/verbs/initialized"),
        ("suspended", "http://adlnet.gov/expapi/verbs/suspended"),
        ("resumed", "http://adlnet.gov/expapi/verbs/resumed"),
        ("completed", "http://adlnet.gov/expapi/verbs/completed"),
    ],
)
def test_attempt_life_cycle_is_about_the_resource_links_assessment(statements, kind, verb):
    statement = statements[kind]
    assert statement["verb"]["id"] == verb
    assert statement["object"]["id"] == f"{RESOURCE_LINK}/assessment"
    assert statement["object"]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/assessment"
    )


def test_answered_records_the_ratings_compactly_and_the_stage(statements):
    answered = statements["answered"]
    assert answered["object"]["id"] == f"{ELEMENT}/question"
    assert (
        answered["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/question"
    )
    assert answered["result"]["response"] == "dn-1[.]3[,]dn-2[.]2"
    assert answered["result"]["extensions"] == {
        f"{EXT}/ratings": {"dn-1": 3, "dn-2": 2},
        f"{EXT}/stage": 2,
    }
    other = answered["context"]["contextActivities"]["other"]
    assert other[0]["id"] == ELEMENT
    assert other[0]["definition"]["type"] == "https://w3id.org/xapi/tla/activity-types/competency"


def test_completed_reports_score_success_completion_and_duration(statements):
    result = statements["completed"]["result"]
    assert result["score"] == {"scaled": 0.625, "raw": 2.5, "min": 0.0, "max": 4.0}
    assert result["success"] is True
    assert result["completion"] is True
    assert result["duration"] == "PT12M3.5S"


def test_completed_without_anything_to_score_carries_no_score():
    event = st.Completed(
        attempt_id=str(uuid.uuid4()),
        score_raw=None,
        score_max=None,
        met_expected_stage=True,
        duration=timedelta(minutes=1),
    )
    result = st.build_completed(make_context(), event)["result"]
    assert "score" not in result and result["completion"] is True


@pytest.mark.parametrize(("raw", "maximum"), [(None, 4.0), (2.0, None), (5.0, 4.0)])
def test_a_half_given_or_out_of_range_score_is_refused(raw, maximum):
    with pytest.raises(ValueError, match="score_raw must lie"):
        st.Completed(
            attempt_id=str(uuid.uuid4()),
            score_raw=raw,
            score_max=maximum,
            met_expected_stage=True,
            duration=timedelta(minutes=1),
        )


def test_supervisor_is_the_actor_of_a_validation_and_the_learner_is_named_by_account(statements):
    validated = statements["validated"]
    assert validated["verb"]["id"] == "https://w3id.org/xapi/tla/verbs/verified"
    assert validated["actor"]["account"] == {"homePage": BASE, "name": SUPERVISOR}
    assert validated["context"]["extensions"][f"{EXT}/learner"] == {
        "objectType": "Agent",
        "account": {"homePage": BASE, "name": "0b6f1d3e-4c1a-4d8e-9a51-3c2b7e1f0a11"},
    }
    assert validated["result"]["success"] is True


def test_supervisor_name_appears_only_with_include_pii():
    assert "name" not in build_all(make_context())["validated"]["actor"]
    actor = build_all(make_context(include_pii=True))["validated"]["actor"]
    assert actor["name"] == "Dr Grace Hopper"


@pytest.mark.parametrize("include_pii", [False, True])
def test_a_rater_is_an_anonymised_account_never_named(include_pii):
    rated = build_all(make_context(include_pii=include_pii))["rated"]
    digest = hashlib.sha256(b"5e1c0a9d2b7f4e38a6c1d0f9b2e4a7c3").hexdigest()[:16]
    assert rated["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": BASE, "name": f"rater:{digest}"},
    }
    assert rated["verb"]["id"] == f"{PROFILE}/verbs/rated"
    assert f"{EXT}/rater-group" not in rated["context"]["extensions"]  # no group: see the profile


def test_unknown_rater_group_is_refused():
    with pytest.raises(ValueError, match="rater_group"):
        st.Rated(
            attempt_id=ATTEMPT,
            element_iri=ELEMENT,
            ratings={},
            stage=1,
            invite_id="x",
            rater_group="friend",
        )


@pytest.mark.parametrize(
    ("kind", "verb"),
    [
        ("competency-assessed", "https://w3id.org/xapi/tla/verbs/assessed"),
        ("competency-asserted", "https://w3id.org/xapi/tla/verbs/asserted"),
    ],
)
def test_competency_statements_use_tla_verbs_on_the_element(statements, kind, verb):
    statement = statements[kind]
    assert statement["verb"]["id"] == verb
    assert statement["object"]["id"] == ELEMENT
    assert statement["object"]["definition"]["type"] == (
        "https://w3id.org/xapi/tla/activity-types/competency"
    )
    assert statement["result"]["extensions"][f"{EXT}/stage"] == 2
    assert len(statement["context"]["extensions"][f"{EXT}/evidence"]) == 1


def test_competency_assessed_scores_the_stage_against_the_expected_one(statements):
    result = statements["competency-assessed"]["result"]
    assert result["score"] == {"scaled": 0.5, "raw": 2.0, "min": 0.0, "max": 4.0}
    assert result["success"] is True


@pytest.mark.parametrize("kind", ["identity-linked", "identity-unlinked"])
def test_identity_link_carries_the_issuer_and_only_a_hash_of_the_user_id(statements, kind):
    statement = statements[kind]
    extensions = statement["context"]["extensions"]
    expected = hashlib.sha256(b"https://canvas.example.edu\nuser-981").hexdigest()
    assert extensions[f"{EXT}/linked-lti-issuer"] == "https://canvas.example.edu"
    assert extensions[f"{EXT}/linked-subject-sha256"] == expected
    assert "user-981" not in str(statement)
    key = hashlib.sha256(b"https://canvas.example.edu").hexdigest()[:16]
    assert statement["object"]["id"] == f"{BASE}/lti/platforms/{key}"
    assert statement["verb"]["id"].startswith(f"{PROFILE}/verbs/")


def test_iris_quote_lti_ids_into_one_path_segment():
    assert iris.course_iri(BASE + "/", "https://moodle.example.ac.uk", "a/b c?d") == (
        f"{BASE}/lti/platforms/{ISSUER_KEY}/contexts/a%2Fb%20c%3Fd"
    )
    assert iris.resource_link_iri(BASE, "https://moodle.example.ac.uk", "rl/42 a") == RESOURCE_LINK


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(minutes=12, seconds=3.5), "PT12M3.5S"),
        (timedelta(seconds=0), "PT0S"),
        (timedelta(hours=1, seconds=0.25), "PT1H0.25S"),
        (timedelta(hours=26, minutes=1), "PT26H1M"),
        (timedelta(seconds=59.999), "PT1M"),
    ],
)
def test_durations_are_iso_8601_to_the_hundredth_of_a_second(span, text):
    assert format_duration(span) == text


def test_timestamps_are_converted_to_utc_and_naive_ones_refused():
    plus_one = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 26, 15, 3, 1, 123999, tzinfo=plus_one)
    assert format_timestamp(moment) == "2026-11-26T14:03:01.123Z"
    with pytest.raises(ValueError, match="timezone"):
        format_timestamp(datetime(2026, 11, 26, 14, 3, 1))


@pytest.mark.parametrize("field", ["learner_id"])
def test_launch_context_refuses_a_learner_id_that_is_not_a_uuid(field):
    with pytest.raises(ValueError, match=field):
        make_context(**{field: "42"})
