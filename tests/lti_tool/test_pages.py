"""Landing pages are authorised by the launch session and by role."""

from tests.support.lti_helpers import INSTRUCTOR, LEARNER, error_code, launch


def test_learner_page_without_a_launch_session_asks_to_launch_from_the_course(client):
    response = client.get("/home")
    assert response.status_code == 401
    assert "Open the activity again from your course" in response.get_data(as_text=True)


def test_a_forged_session_token_is_refused(client):
    assert client.get("/home?ls=forged-token").status_code == 401


def test_a_learner_cannot_open_the_instructor_course_page(client, platform):
    landed = launch(client, platform, roles=[LEARNER])
    token = landed.location.split("ls=")[1]
    response = client.get(f"/course?ls={token}")
    assert response.status_code == 403
    assert error_code(response) == "role_required"


def test_course_page_counts_learners_who_launched(client, platform):
    launch(client, platform, sub="l1", roles=[LEARNER])
    landed = launch(client, platform, sub="t1", roles=[INSTRUCTOR])
    page = client.get(landed.location).get_data(as_text=True)
    assert "<strong>1 learner has</strong> launched leadpath" in page
    assert "learner have" not in page
    launch(client, platform, sub="l2", roles=[LEARNER])
    page = client.get(landed.location).get_data(as_text=True)
    assert "<strong>2 learners have</strong> launched leadpath" in page


def test_pages_do_not_leak_the_session_token_in_referrers(client, platform):
    landed = launch(client, platform)
    response = client.get(landed.location)
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_health_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(database_url="postgresql://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_learner_home_links_to_linking_another_institution(client, platform):
    landed = launch(client, platform, sub="home-identity")
    page = client.get(landed.location).get_data(as_text=True)
    token = landed.location.split("ls=")[1]
    assert f'href="/identity?ls={token}"' in page
    assert client.get(f"/identity?ls={token}").status_code == 200


def test_expired_launch_sessions_are_purged(client, db, platform):
    from datetime import timedelta

    from sqlalchemy import update

    from lti_tool.lti.records import hash_token, purge_expired_sessions
    from lti_tool.models import LaunchSession, utcnow

    expired = launch(client, platform, sub="purge-old").location.split("ls=")[1]
    current = launch(client, platform, sub="purge-new").location.split("ls=")[1]
    with db.transaction() as session:
        session.execute(
            update(LaunchSession)
            .where(LaunchSession.token_hash == hash_token(expired))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        assert purge_expired_sessions(session) >= 1
    with db.sessions() as session:
        assert session.get(LaunchSession, hash_token(expired)) is None
        assert session.get(LaunchSession, hash_token(current)) is not None
    assert client.get(f"/home?ls={expired}").status_code == 401
    assert client.get(f"/home?ls={current}").status_code == 200
