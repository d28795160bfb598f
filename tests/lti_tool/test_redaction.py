"""Bearer tokens and claim values stay out of logs; launch sessions are bound and expire idle.

The access-log tests run leadpath as deployed, under gunicorn (`leadpath serve`) and under
werkzeug's development server (`flask run`), launch over real HTTP, open pages carrying the
tokens, and read what the servers wrote.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from lti_tool import signing_keys
from lti_tool.db import make_engine
from lti_tool.lti.records import hash_token
from lti_tool.models import LaunchSession, utcnow
from lti_tool.redaction import redact
from tests.support.loopback import wait_until_answering
from tests.support.lti_helpers import INSTRUCTOR, LTI, launch
from tests.support.serving import free_port, leadpath_env, serve

NAME, EMAIL = "Ada Quintrell-Haversham", "ada.quintrell@example.test"


def _http_launch(base: str, platform, sub: str) -> tuple[requests.Session, str]:
    """Log in and launch over HTTP as a browser would; return the session and landing URL."""
    browser = requests.Session()
    browser.trust_env = False
    login = browser.get(
        base + "/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": sub,
            "target_link_uri": base + "/lti/launch",
            "client_id": platform.client_id,
            "lti1p3_new_window": "1",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302, login.text
    sent = parse_qs(urlsplit(login.headers["Location"]).query)
    claims = platform.claims(
        sent["nonce"][0],
        sub=sub,
        name=NAME,
        email=EMAIL,
        **{LTI + "target_link_uri": base + "/lti/launch"},
    )
    launched = browser.post(
        base + "/lti/launch",
        data={"id_token": platform.sign(claims), "state": sent["state"][0]},
        allow_redirects=False,
        timeout=10,
    )
    assert launched.status_code == 303, launched.text
    return browser, urljoin(base, launched.headers["Location"])


def _visit_with_tokens(base: str, platform) -> list[str]:
    """Launch, open pages carrying every kind of bearer token; return the secrets used."""
    browser, landing = _http_launch(base, platform, "log-reader")
    token = parse_qs(urlsplit(landing).query)["ls"][0]
    page = browser.get(landing, timeout=10)
    assert page.status_code == 200 and "Ada" in page.text
    # A same-origin Referer carries the token too.
    browser.get(base + "/identity", params={"ls": token}, headers={"Referer": landing}, timeout=10)
    rater = "rater-token-" + "q" * 30
    browser.get(base + f"/feedback/r/{rater}", timeout=10)
    invitation = "invitation-secret-" + "z" * 20
    browser.get(base + "/lti/register", params={"invitation": invitation}, timeout=10)
    return [token, rater, invitation]


def _assert_clean(output: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in output, f"{secret[:12]}… is in the log"
    assert NAME not in output and EMAIL not in output, "a claim value is in the log"
    assert "ls=[redacted]" in output
    assert "/feedback/r/[redacted]" in output
    assert "invitation=[redacted]" in output


@pytest.fixture
def instance(tmp_path, database_url):
    """Settings for a leadpath process on this run's database; (env, base URL, port)."""
    port = free_port()
    signing_keys.ensure_tool_key(tmp_path / "data" / "keys")
    base = f"http://127.0.0.1:{port}"
    env = leadpath_env(
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        base_url=base,
        secret_key="log-test-secret-" + "k" * 24,
        log_level="INFO",
        forwarder_thread="false",
    )
    return env, base, port


def test_gunicorn_access_log_shows_no_token_and_no_claim_value(instance, platform, tmp_path):
    env, base, port = instance
    log = tmp_path / "serve.log"
    server = serve(env, log, port)
    try:
        secrets = _visit_with_tokens(base, platform)
    finally:
        server.stop()
    output = log.read_text()
    assert '"GET /home?ls=[redacted] HTTP/1.1" 200' in output, output[-2000:]
    _assert_clean(output, secrets)


def test_werkzeug_development_server_log_shows_no_token(instance, platform, tmp_path):
    env, base, port = instance
    log = tmp_path / "flask.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "lti_tool:create_app()", "run"]
            + ["--port", str(port), "--no-reload"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_until_answering(base + "/healthz", server), log.read_text()
        secrets = _visit_with_tokens(base, platform)
    finally:
        server.terminate()
        server.wait(20)
    output = log.read_text()
    assert '"GET /home?ls=[redacted] HTTP/1.1" 200' in output, output[-2000:]
    _assert_clean(output, secrets)


def test_redaction_covers_encoded_and_header_forms():
    assert redact("GET /x?a=1&ls=abc&b=2") == "GET /x?a=1&ls=[redacted]&b=2"
    assert redact("/identity?LS%3Dabc") == "/identity?LS%3D[redacted]"
    assert redact("/lti/register?registration_token=t1&x=2").count("t1") == 0
    assert redact("/feedback/r/abc-def?x") == "/feedback/r/[redacted]?x"
    assert redact("/class?else=1") == "/class?else=1"


def test_a_failed_statement_names_no_parameter_values(database_url):
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
            query = text("SELECT no_such_column FROM launch_session WHERE 1 = :v")
            conn.execute(query, {"v": EMAIL})
        assert EMAIL not in str(failed.value)
    finally:
        engine.dispose()


def _token(response) -> str:
    return parse_qs(urlsplit(response.location).query)["ls"][0]


def _row(db, token: str) -> LaunchSession:
    with db.transaction() as session:
        return session.scalar(
            select(LaunchSession).where(LaunchSession.token_hash == hash_token(token))
        )


def test_a_session_token_works_only_from_the_browser_that_launched(app, platform):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Learner's browser/1.0"
    token = _token(launch(client, platform, sub="bound"))
    assert client.get(f"/home?ls={token}").status_code == 200
    elsewhere = app.test_client()
    elsewhere.environ_base["HTTP_USER_AGENT"] = "curl/8.5.0"
    copied = elsewhere.get(f"/home?ls={token}")
    assert copied.status_code == 401
    assert "Open the activity again from your course" in copied.get_data(as_text=True)
    header = elsewhere.get("/home", headers={"X-Leadpath-Session": token})
    assert header.status_code == 401


def _shift(db, token: str, by: timedelta) -> None:
    """Move the session into the past by `by`, as if launched and last used that long ago."""
    row = _row(db, token)
    with db.transaction() as session:
        session.execute(
            update(LaunchSession)
            .where(LaunchSession.token_hash == hash_token(token))
            .values(created_at=row.created_at - by, expires_at=row.expires_at - by)
        )


def test_a_session_ends_after_idle_time_and_each_use_extends_it(make_app, platform, db):
    app = make_app(session_idle_minutes=10, session_hours=8)
    client = app.test_client()
    token = _token(launch(client, platform, sub="idle"))
    row = _row(db, token)
    assert row.expires_at - row.created_at <= timedelta(minutes=10, seconds=5)
    _shift(db, token, timedelta(minutes=8))  # used 8 minutes ago: still open
    assert client.get(f"/home?ls={token}").status_code == 200
    assert _row(db, token).expires_at > utcnow() + timedelta(minutes=9)
    _shift(db, token, timedelta(minutes=11))  # then unused for 11 minutes
    assert client.get(f"/home?ls={token}").status_code == 401


def test_use_never_extends_a_session_past_its_longest_life(make_app, platform, db):
    app = make_app(session_idle_minutes=30, session_hours=1)
    client = app.test_client()
    token = _token(launch(client, platform, sub="longest"))
    for _ in range(2):  # used 25 minutes after the launch, then 25 minutes later
        _shift(db, token, timedelta(minutes=25))
        assert client.get(f"/home?ls={token}").status_code == 200
    row = _row(db, token)
    assert row.expires_at == row.created_at + timedelta(hours=1)


def test_forms_send_the_session_token_in_the_body_not_the_address(client, platform):
    landed = launch(
        client,
        platform,
        roles=[INSTRUCTOR],
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": platform.issuer + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
            },
        },
    )
    page = client.get(landed.location).get_data(as_text=True)
    form_tag = page.split("<form")[1].split(">")[0]
    assert 'action="/lti/deep-link"' in form_tag and "ls=" not in form_tag
    assert f'name="ls" value="{_token(landed)}"' in page


def test_launch_log_lines_name_no_claim_value(app, platform):
    from lti_tool import logs

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logs.JsonFormatter())
    logs.logger.addHandler(handler)
    logs.logger.setLevel("INFO")
    try:
        launch(app.test_client(), platform, sub="quiet", name=NAME, email=EMAIL)
        app.test_client().get("/feedback/r/rater-secret-token")
    finally:
        logs.logger.setLevel("WARNING")
        logs.logger.removeHandler(handler)
    written = written.getvalue()
    assert "rater-secret-token" not in written
    assert "launch_accepted" in written
    assert NAME not in written and EMAIL not in written
