"""360 feedback through real launches: self rating, one-time rater links, the anonymised report."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lti_tool.assess.models import Attempt, FeedbackInvitation, FeedbackResponse
from lti_tool.models import PlatformUser, utcnow
from tests.support.feedback_helpers import (
    CONTRIBUTION,
    DOMAIN,
    NETWORKS,
    PATHS,
    RELATIONSHIPS,
    TEAMS,
    invite,
    rate,
    report_cells,
    self_rate,
    start_360,
)
from tests.support.lti_helpers import error_code
from tests.support.mail_helpers import smtp
from xapi.outbox.models import OutboxStatement
from xapi.profile import build_profile, check_against_template, template_for


def learner_statements(db, platform, sub, verb_end):
    with db.sessions() as session:
        learner_id = session.scalar(
            select(PlatformUser.learner_id).where(
                PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
            )
        )
        bodies = session.scalars(
            select(OutboxStatement.body).where(OutboxStatement.learner_key == learner_id)
        ).all()
    statements = [json.loads(b) for b in bodies]
    return [s for s in statements if s["verb"]["id"].endswith(verb_end)]


def test_peer_average_appears_only_with_the_third_peer(client, platform):
    token = start_360(client, platform, "fb-peers")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    peers = [invite(client, token, "peer") for _ in range(3)]
    assert rate(client, peers[0], [1, 3, None, 2]).status_code == 200
    assert rate(client, peers[1], [2, 3, None, 2]).status_code == 200

    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "hidden (2)"
    assert cells[(NETWORKS, "others")] == "hidden"
    assert cells[(NETWORKS, "gap")] == "–"
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert "1.50" not in page and "3.00" not in page

    assert rate(client, peers[2], [4, 3, None, 2]).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "self")] == "2"
    assert cells[(NETWORKS, "peer")] == "2.33"  # (1 + 2 + 4) / 3
    assert cells[(NETWORKS, "others")] == "hidden"  # "others" waits for four answers
    assert cells[(NETWORKS, "gap")] == "–"

    assert rate(client, invite(client, token, "peer"), [2, 3, None, 2]).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "2.33"  # the fourth answer waits for a step of three
    assert cells[(NETWORKS, "others")] == "hidden"

    for _ in range(2):
        assert rate(client, invite(client, token, "peer"), [2, 3, None, 2]).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "2.17"  # (1 + 2 + 4 + 2 + 2 + 2) / 6
    assert cells[(NETWORKS, "others")] == "2.17"
    assert cells[(NETWORKS, "gap")] == "-0.17"
    assert cells[(RELATIONSHIPS, "peer")] == "3.00"
    assert cells[(RELATIONSHIPS, "gap")] == "-1.00"
    assert cells[(CONTRIBUTION, "peer")] == "–"
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    gaps = re.findall(r'<li data-element="([^"]+)" data-label="([^"]+)">', page)
    assert gaps == [(RELATIONSHIPS, "hidden-strength")]  # a gap of 0.17 is not named
    assert 'role="img"' in page and "<title" in page and "<desc" in page


def test_a_line_manager_alone_is_shown_and_pooled_with_nobody_hidden(client, platform):
    token = start_360(client, platform, "fb-manager")
    assert self_rate(client, token, [1, 1, 1, 1]).status_code == 303
    manager = invite(client, token, "line-manager", email="boss@example.test")
    notice = client.get(f"/feedback/r/{manager}").get_data(as_text=True)
    assert "shown to Jo as those of their line manager, so they can tell they are yours" in notice
    assert "anonymous" not in notice.lower()
    assert rate(client, manager, [3, 2, None, None], comment="Leads well").status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "line-manager")] == "3.00"
    assert cells[(NETWORKS, "others")] == "hidden"  # needs four answers besides the manager's
    assert cells[(NETWORKS, "gap")] == "–"
    page = client.get(f"/feedback/report?ls={token}").get_data(as_text=True)
    assert "boss@example.test" not in page
    assert "Leads well" in page  # the line manager is named, so their comment is shown
    peer = invite(client, token, "peer")
    assert rate(client, peer, [2, None, None, None]).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "hidden (1)"
    assert cells[(NETWORKS, "others")] == "hidden"  # one hidden peer could be recovered


def test_threshold_and_exempt_groups_follow_the_settings(make_app, db, unique):
    from tests.support.lti_helpers import make_platform

    app = make_app(feedback_min_raters="2", feedback_exempt_groups="")
    client = app.test_client()
    platform = make_platform(unique).register(db)
    token = start_360(client, platform, "fb-settings")
    assert self_rate(client, token, [2, 2, 2, 2]).status_code == 303
    for stage in (1, 2):
        assert rate(client, invite(client, token, "peer"), [stage, 1, 1, 1]).status_code == 200
    assert rate(client, invite(client, token, "line-manager"), [4, 1, 1, 1]).status_code == 200
    cells = report_cells(client, token)
    assert cells[(NETWORKS, "peer")] == "1.50"
    assert cells[(NETWORKS, "line-manager")] == "hidden (1)"
    assert cells[(NETWORKS, "others")] == "hidden"


def test_rater_page_shows_only_the_first_name_and_the_form(client, platform):
    token = start_360(client, platform, "fb-page")
    link = invite(client, token, "peer", email="pal@example.test")
    page = client.get(f"/feedback/r/{link}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Leadership feedback for Jo" in text
    for private in ("Bloggs", "jo@example.test", "pal@example.test", "Leadership 101", "ls="):
        assert private not in text
    # Links lead only to public pages (skip link, home, accessibility statement, documentation).
    targets = re.findall(r'<a\s[^>]*href="([^"]*)"', text)
    assert set(targets) <= {"#maincontent", "/", "/accessibility", "/docs", "/frameworks"}
    assert "/accessibility" in targets
    assert page.headers["Cache-Control"] == "no-store"
    assert "Developing networks" in text and 'value="none"' in text
    assert "as a peer" in text and "never shown to Jo individually" in text
    assert "Your answers are anonymous" in text


def test_rater_page_greets_a_colleague_when_no_name_was_sent(client, platform):
    token = start_360(client, platform, "fb-noname", given_name=None, name=None)
    text = client.get(f"/feedback/r/{invite(client, token, 'other')}").get_data(as_text=True)
    assert "Leadership feedback for a colleague" in text


def test_a_link_works_once(client, platform, db):
    token = start_360(client, platform, "fb-once")
    link = invite(client, token, "direct-report")
    assert rate(client, link, [1, 2, 3, 4]).status_code == 200
    again = rate(client, link, [4, 4, 4, 4])
    assert again.status_code == 410 and error_code(again) == "invitation_submitted"
    assert client.get(f"/feedback/r/{link}").status_code == 410
    with db.sessions() as session:
        [response] = session.scalars(
            select(FeedbackResponse)
            .join(FeedbackInvitation)
            .join(Attempt)
            .where(Attempt.platform_user_id == _user_id(session, platform, "fb-once"))
        ).all()
    assert response.ratings == dict(zip(PATHS, [1, 2, 3, 4], strict=True))


def _user_id(session, platform, sub):
    return session.scalar(
        select(PlatformUser.id).where(
            PlatformUser.issuer == platform.issuer, PlatformUser.sub == sub
        )
    )


def test_an_expired_link_answers_410(client, platform, db):
    token = start_360(client, platform, "fb-expired")
    link = invite(client, token, "peer")
    with db.transaction() as session:
        session.execute(
            update(FeedbackInvitation)
            .where(FeedbackInvitation.attempt_id.in_(_attempt_ids(session, platform, "fb-expired")))
            .values(
                created_at=utcnow() - timedelta(days=30), expires_at=utcnow() - timedelta(days=9)
            )
        )
    for response in (client.get(f"/feedback/r/{link}"), rate(client, link, [1, 1, 1, 1])):
        assert response.status_code == 410
        assert error_code(response) == "invitation_expired"
        assert "expired" in response.get_data(as_text=True)


def _attempt_ids(session, platform, sub):
    return select(Attempt.id).where(Attempt.platform_user_id == _user_id(session, platform, sub))


def test_a_revoked_link_answers_410_and_only_its_learner_can_revoke_it(client, platform, db):
    token = start_360(client, platform, "fb-revoke")
    link = invite(client, token, "peer")
    with db.sessions() as session:
        invitation_id = session.scalar(
            select(FeedbackInvitation.id).where(
                FeedbackInvitation.attempt_id.in_(_attempt_ids(session, platform, "fb-revoke"))
            )
        )
    intruder = start_360(client, platform, "fb-intruder")
    refused = client.post(f"/feedback/invitations/{invitation_id}/revoke", data={"ls": intruder})
    assert refused.status_code == 404
    revoked = client.post(f"/feedback/invitations/{invitation_id}/revoke", data={"ls": token})
    assert revoked.status_code == 303
    response = client.get(f"/feedback/r/{link}")
    assert response.status_code == 410 and error_code(response) == "invitation_revoked"
    assert rate(client, link, [1, 1, 1, 1]).status_code == 410
    twice = client.post(f"/feedback/invitations/{invitation_id}/revoke", data={"ls": token})
    assert twice.status_code == 409
    assert "Withdrawn" in client.get(f"/feedback?ls={token}").get_data(as_text=True)


def test_an_unknown_link_answers_404(client):
    assert client.get("/feedback/r/not-a-real-token").status_code == 404


SUMMARY = "/verbs/received-feedback-summary"
EXT = "http://localhost/xapi/profile/extensions/"


def _steps(statements) -> dict:
    """Return {(group, element): [(raters, mean), ...]} from feedback summaries, in order."""
    out = {}
    for s in sorted(statements, key=lambda s: s["result"]["extensions"][EXT + "raters"]):
        key = (s["context"]["extensions"][EXT + "rater-group"], s["object"]["id"])
        values = s["result"]["extensions"]
        out.setdefault(key, []).append((values[EXT + "raters"], values[EXT + "mean-stage"]))
    return out


def test_rater_answers_are_sent_only_as_group_summaries_at_whole_steps(
    client, platform, db, xapi_validator
):
    token = start_360(client, platform, "fb-stmts")
    peers = [[3, None, 1, 0], [2, 2, 1, 0], [4, 2, None, 0]]
    for n, stages in enumerate(peers):
        link = invite(client, token, "peer", email=f"secret-rater-{n}@example.test")
        assert rate(client, link, stages, comment="Kind").status_code == 200
    assert rate(client, invite(client, token, "line-manager"), [4] * 4).status_code == 200
    assert learner_statements(db, platform, "fb-stmts", "/verbs/rated") == []
    summaries = learner_statements(db, platform, "fb-stmts", SUMMARY)
    element = "http://localhost/frameworks/lf-2011/elements/"
    assert _steps(summaries) == {
        ("peer", f"{element}{NETWORKS}/question"): [(3, 3.0)],
        ("peer", f"{element}{TEAMS}/question"): [(3, 0.0)],
    }  # two values of the other elements, and the lone line manager, wait for a step
    dumped = json.dumps(summaries)
    assert "@" not in dumped and "secret-rater" not in dumped and "Kind" not in dumped
    profile = build_profile("http://localhost")
    for statement in summaries:
        assert check_against_template(statement, template_for(statement, profile)) == []
        assert "response" not in statement["result"]
    assert xapi_validator(summaries) == [[]] * 2
    own = learner_statements(db, platform, "fb-stmts", "/initialized")
    assert len(own) == 1 and xapi_validator(own) == [[]]


def test_combining_every_summary_recovers_no_rater(client, platform, db):
    """Summaries move in whole steps: a difference of two pools at least three raters."""
    token = start_360(client, platform, "fb-combine")
    for stage in (1, 3, 2):
        assert rate(client, invite(client, token, "peer"), [stage] * 4).status_code == 200
    first = learner_statements(db, platform, "fb-combine", SUMMARY)
    assert rate(client, invite(client, token, "peer"), [0] * 4).status_code == 200
    assert learner_statements(db, platform, "fb-combine", SUMMARY) == first  # nothing new
    for stage in (4, 4):
        assert rate(client, invite(client, token, "peer"), [stage] * 4).status_code == 200
    steps = _steps(learner_statements(db, platform, "fb-combine", SUMMARY))
    assert len(steps) == 4
    for counts in steps.values():
        assert counts == [(3, 2.0), (6, 2.3333)]  # (0 + 4 + 4) / 3 is all a difference gives
    # The profile's template says so, and refuses a summary with a rater's own stages.
    profile = build_profile("http://localhost")
    template = next(t for t in profile["templates"] if t["id"].endswith("/feedback-summary"))
    assert "cannot be combined to recover one rater's rating" in template["definition"]["en"]
    leaky = json.loads(json.dumps(first[0]))
    leaky["result"]["extensions"][EXT + "stage"] = 1
    assert check_against_template(leaky, template_for(leaky, profile)) != []


def test_self_rating_statements_are_valid(client, platform, db, xapi_validator):
    token = start_360(client, platform, "fb-self-stmts")
    assert self_rate(client, token, [0, 1, 2, 3]).status_code == 303
    answered = learner_statements(db, platform, "fb-self-stmts", "/verbs/answered")
    assert len(answered) == 4
    profile = build_profile("http://localhost")
    for statement in answered:
        assert check_against_template(statement, template_for(statement, profile)) == []
    assert xapi_validator(answered) == [[]] * 4


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({f"stage-{NETWORKS}": "5"}, 400),
        ({f"stage-{NETWORKS}": "-1"}, 400),
        ({f"stage-{NETWORKS}": "two"}, 400),
        ({"stage-working-with-others/no-such-element": "2"}, 400),
        ({"stage-managing-services/planning": "2"}, 400),
        ({f"stage-{NETWORKS}": "none", f"stage-{RELATIONSHIPS}": "none",
          f"stage-{CONTRIBUTION}": "none", f"stage-{TEAMS}": "none"}, 400),
        ({"comment": "x" * 4001}, 400),
    ],
)  # fmt: skip
def test_bad_rater_input_is_refused_and_nothing_is_stored(client, platform, db, change, status):
    token = start_360(client, platform, "fb-bad-rater")
    link = invite(client, token, "peer")
    form = {f"stage-{p}": "2" for p in PATHS}
    form.update(change)
    response = client.post(f"/feedback/r/{link}", data=form)
    assert response.status_code == status
    assert error_code(response) == "invalid_input"
    assert "Traceback" not in response.get_data(as_text=True)
    assert rate(client, link, [1, 1, 1, 1]).status_code == 200  # the link still works


def test_bad_self_rating_input_is_refused_and_nothing_is_stored(client, platform, db):
    token = start_360(client, platform, "fb-bad-self")
    base = {"ls": token, "domain": DOMAIN, "revision": "0"}
    base.update({f"stage-{p}": "2" for p in PATHS})
    bad = [
        ({"domain": "managing-services"}, 400),
        ({f"stage-{NETWORKS}": "9"}, 400),
        ({f"stage-{NETWORKS}": ""}, 400),
        ({"stage-working-with-others/unknown": "1"}, 400),
        ({"revision": "7"}, 409),
    ]
    for change, status in bad:
        response = client.post(f"/feedback/self/{DOMAIN}", data={**base, **change})
        assert response.status_code == status, change
    assert client.post("/feedback/self/unknown-domain", data=base).status_code == 400
    with db.sessions() as session:
        attempts = session.scalars(_attempt_ids(session, platform, "fb-bad-self")).all()
    assert attempts == []
    assert client.post(f"/feedback/self/{DOMAIN}", data=base).status_code == 303
    double = client.post(f"/feedback/self/{DOMAIN}", data=base)
    assert double.status_code == 409


def test_bad_invitations_are_refused(client, platform, db):
    token = start_360(client, platform, "fb-bad-invite")
    refused = client.post(
        "/feedback/invitations", data={"ls": token, "rater_group": "boss", "invited": "0"}
    )
    assert refused.status_code == 400
    bad_email = {"ls": token, "rater_group": "peer", "invited": "0", "email": "not an email"}
    assert client.post("/feedback/invitations", data=bad_email).status_code == 400
    no_email = {"ls": token, "rater_group": "peer", "invited": "0"}
    assert client.post("/feedback/invitations", data=no_email).status_code == 400
    form = {**no_email, "email": "pat@example.test"}
    assert client.post("/feedback/invitations", data=form).status_code == 201
    assert client.post("/feedback/invitations", data=form).status_code == 409
    with db.sessions() as session:
        count = len(
            session.scalars(
                select(FeedbackInvitation.id).where(
                    FeedbackInvitation.attempt_id.in_(
                        _attempt_ids(session, platform, "fb-bad-invite")
                    )
                )
            ).all()
        )
    assert count == 1


def test_feedback_pages_need_a_launch(client):
    assert client.get("/feedback").status_code == 401
    assert client.get("/feedback/report").status_code == 401


def test_the_invitation_text_tells_only_anonymous_raters_they_are_anonymous(client, platform):
    token = start_360(client, platform, "fb-invite-text")
    for group, anonymous in (("line-manager", False), ("peer", True)):
        address = f"{group}-{token[:8]}@example.test"
        invite(client, token, group, email=address)
        body = smtp().inbox.to(address)[-1].get_payload(decode=True).decode()
        assert ("anonymous" in body) is anonymous, body
        if not anonymous:
            assert "as their line manager" in body


def test_hub_lists_domains_and_marks_the_self_rating_complete(client, platform):
    token = start_360(client, platform, "fb-hub")
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert "Working with Others" in hub and "Not started" in hub
    assert self_rate(client, token, [1, 2, 3, 4]).status_code == 303
    hub = client.get(f"/feedback?ls={token}").get_data(as_text=True)
    assert "Your self rating is complete." in hub
    locked = client.get(f"/feedback/self/{DOMAIN}?ls={token}").get_data(as_text=True)
    assert "can no longer be changed" in locked
    assert self_rate(client, token, [1, 1, 1, 1], revision=1).status_code == 409


def test_two_simultaneous_submits_of_one_link_store_one_answer(app, platform, db):
    import threading

    token = start_360(app.test_client(), platform, "fb-race")
    link = invite(app.test_client(), token, "peer")
    barrier, statuses = threading.Barrier(2), []

    def submit():
        client = app.test_client()
        barrier.wait()
        statuses.append(rate(client, link, [2, 2, 2, 2]).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410]
    with db.sessions() as session:
        answers = session.scalars(
            select(FeedbackResponse.id)
            .join(FeedbackInvitation)
            .where(FeedbackInvitation.attempt_id.in_(_attempt_ids(session, platform, "fb-race")))
        ).all()
    assert len(answers) == 1


def test_slips_on_360_forms_keep_the_person_on_the_page_with_an_error_summary(client, platform):
    token = start_360(client, platform, "fb-slips")
    form = {"ls": token, "domain": DOMAIN, "revision": "0", f"stage-{NETWORKS}": "2"}
    page = client.post(f"/feedback/self/{DOMAIN}", data=form)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "nhsuk-error-summary" in text and "<h1>Working with Others</h1>" in text
    assert 'href="#stage-working-with-others--working-within-teams"' in text
    assert "Working within teams: choose a stage" in text
    assert 'value="2" checked' in text  # what was chosen is kept

    bad = {"ls": token, "rater_group": "peer", "invited": "0", "email": "jo@nowhere"}
    hub = client.post("/feedback/invitations", data=bad)
    assert hub.status_code == 400
    text = hub.get_data(as_text=True)
    assert 'href="#fb-email"' in text and "Enter the rater's email address, like" in text
    assert "<h1>360 feedback</h1>" in text and 'value="jo@nowhere"' in text

    link = invite(client, token, "peer")
    empty = rate(client, link, [None, None, None, None], comment="Keeps calm")
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert "Rate at least one element before sending your feedback" in text
    assert 'href="#stage-working-with-others--developing-networks"' in text
    assert "Keeps calm" in text  # the comment typed is not lost
    assert rate(client, link, [1, None, None, None]).status_code == 200


def test_the_journey_tells_a_360_by_its_released_summaries_only(client, platform, db):
    from lti_tool.reports.journey import FEEDBACK, build_journey

    token = start_360(client, platform, "fb-journey")
    for stage in (1, 2, 4, 0):
        assert rate(client, invite(client, token, "peer"), [stage] * 4).status_code == 200
    statements = learner_statements(db, platform, "fb-journey", "")
    learner = statements[0]["actor"]["account"]["name"]
    entries = build_journey(statements, "http://localhost", learner).entries
    (entry,) = [e for e in entries if e.kind == FEEDBACK]
    assert entry.raters == 3  # the fourth peer waits for a step
    assert entry.domains == {DOMAIN: 2.33}  # (1 + 2 + 4) / 3 on each element
