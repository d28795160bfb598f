"""Launch state lives server-side (database or Redis) under one contract, and expires.

The contract tests run against both stores: the run's real database (SQLite, or PostgreSQL
with --db=postgresql) and a real Redis on 127.0.0.1:6379.
"""

import threading
import time

import pytest

from lti_tool.lti.errors import LaunchError
from lti_tool.lti.state import DatabaseLaunchStore, PendingLogin, RedisLaunchStore
from lti_tool.lti.views import on_launch
from tests.support.lti_helpers import error_code, make_platform, post_launch, start_login
from tests.support.services import redis_url

STORES = ["database", "redis"]


@pytest.fixture(params=STORES)
def store(request, db):
    if request.param == "database":
        return DatabaseLaunchStore(db)
    return RedisLaunchStore(redis_url(), timeout=2)


def _login(unique):
    return PendingLogin(f"state-{unique}", f"nonce-{unique}", "https://lms.test", "c", "t")


def _refusal(action) -> str:
    with pytest.raises(LaunchError) as refused:
        action()
    return refused.value.code


def _claim(db, store, state):
    with db.transaction() as session:
        store.claim(session, state)


def test_a_saved_login_can_be_read_any_number_of_times(store, unique):
    store.put(_login(unique), ttl=60)
    for _ in range(3):
        assert store.peek(f"state-{unique}") == _login(unique)


def test_a_login_keeps_the_platform_frame_that_holds_its_state(store, unique):
    login = PendingLogin(
        f"s-{unique}", "n", "https://lms.test", "c", "t", "post_message_forwarding"
    )
    store.put(login, ttl=60)
    assert store.peek(f"s-{unique}").storage_target == "post_message_forwarding"
    assert _login(unique).storage_target is None


def test_a_login_is_used_up_exactly_once(db, store, unique):
    store.put(_login(unique), ttl=60)
    _claim(db, store, f"state-{unique}")
    assert _refusal(lambda: _claim(db, store, f"state-{unique}")) == "launch_replayed"
    assert _refusal(lambda: store.peek(f"state-{unique}")) == "launch_replayed"


def test_an_unknown_state_is_refused(db, store, unique):
    assert _refusal(lambda: store.peek(f"never-{unique}")) == "state_unknown"
    assert _refusal(lambda: _claim(db, store, f"never-{unique}")) == "state_unknown"


def test_an_expired_login_is_named_as_expired(db, store, unique):
    store.put(_login(unique), ttl=0)
    assert _refusal(lambda: store.peek(f"state-{unique}")) == "state_expired"
    assert _refusal(lambda: _claim(db, store, f"state-{unique}")) == "state_expired"


def test_a_claim_rolled_back_with_its_transaction_gives_the_login_back(db, store, unique):
    store.put(_login(unique), ttl=60)
    with pytest.raises(RuntimeError), db.transaction() as session:
        store.claim(session, f"state-{unique}")
        raise RuntimeError("recording the launch failed")
    assert store.peek(f"state-{unique}") == _login(unique)
    _claim(db, store, f"state-{unique}")
    assert _refusal(lambda: store.peek(f"state-{unique}")) == "launch_replayed"


def test_a_claim_survives_the_rollback_of_a_savepoint_it_was_not_made_in(db, store, unique):
    store.put(_login(unique), ttl=60)
    with db.transaction() as session:
        store.claim(session, f"state-{unique}")
        with pytest.raises(RuntimeError), session.begin_nested():
            raise RuntimeError("an unrelated step failed and was retried")
    assert _refusal(lambda: store.peek(f"state-{unique}")) == "launch_replayed"


@pytest.mark.parametrize("racers", [2, 4])
def test_launches_racing_for_one_login_use_it_exactly_once(db, store, unique, racers):
    store.put(_login(unique), ttl=60)
    barrier, outcomes = threading.Barrier(racers), []

    def race():
        try:
            store.peek(f"state-{unique}")  # every racer passes its checks first
            barrier.wait(timeout=10)
            with db.transaction() as session:
                store.claim(session, f"state-{unique}")
                time.sleep(0.2)  # hold the transaction open while the others claim
            outcomes.append("claimed")
        except LaunchError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["claimed"] + ["launch_replayed"] * (racers - 1)


@pytest.fixture(params=STORES)
def store_app(request, make_app):
    if request.param == "database":
        return make_app()
    return make_app(redis_url=redis_url())


def _launch_form(app, db, unique):
    platform = make_platform(unique).register(db)
    client = app.test_client()
    state, nonce, _ = start_login(client, platform)
    return platform, client, state, nonce


def _client_with_cookie(app, state):
    client = app.test_client()
    client.set_cookie("leadpath-state-" + state[:16], state, path="/lti/")
    return client


def test_a_launch_refused_by_a_check_leaves_its_login_usable(store_app, db, unique):
    platform, client, state, nonce = _launch_form(store_app, db, unique)
    forged = platform.sign(platform.claims(nonce), key=make_platform(unique + "x").key)
    assert error_code(post_launch(client, state, forged)) == "signature_invalid"
    stale = platform.sign(platform.claims(nonce, exp=1, iat=1))
    assert post_launch(client, state, stale).status_code == 400
    token = platform.sign(platform.claims(nonce))
    assert post_launch(client, state, token).status_code == 303
    assert error_code(post_launch(client, state, token)) == "launch_replayed"


def test_a_launch_whose_recording_fails_leaves_its_login_usable(store_app, db, unique):
    failures = []

    def fail_once(_session, _launch_record, _claims):
        if not failures:
            failures.append(True)
            raise RuntimeError("statement could not be written")

    on_launch(store_app, fail_once)
    platform, client, state, nonce = _launch_form(store_app, db, unique)
    token = platform.sign(platform.claims(nonce))
    assert post_launch(client, state, token).status_code == 500
    assert post_launch(client, state, token).status_code == 303


def test_the_same_launch_posted_twice_at_once_is_recorded_once(store_app, db, unique):
    platform, _client, state, nonce = _launch_form(store_app, db, unique)
    token = platform.sign(platform.claims(nonce))
    barrier, statuses = threading.Barrier(2), []

    def post():
        client = _client_with_cookie(store_app, state)
        barrier.wait(timeout=10)
        response = post_launch(client, state, token)
        statuses.append(
            response.status_code if response.status_code != 400 else error_code(response)
        )

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses, key=str) == [303, "launch_replayed"]


def test_login_keeps_nothing_in_the_cookie_session(client, platform):
    _state, _nonce, response = start_login(client, platform)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("session=") for c in cookies)
    # The only cookie is the state marker, scoped to /lti/ and HttpOnly.
    assert len(cookies) == 1 and "Path=/lti/" in cookies[0] and "HttpOnly" in cookies[0]


def test_https_deployment_sets_samesite_none_secure_state_cookie(make_app, db, unique):
    app = make_app(base_url="https://localhost")
    platform = make_platform(unique).register(db)
    client = app.test_client()
    response = client.get(
        "/lti/login",
        base_url="https://localhost",
        query_string={
            "iss": platform.issuer,
            "login_hint": "u",
            "client_id": platform.client_id,
            "target_link_uri": "https://localhost/lti/launch",
            "lti1p3_new_window": "1",
        },
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_https_login_first_checks_that_the_browser_keeps_cookies(make_app, db, unique):
    app = make_app(base_url="https://localhost")
    platform = make_platform(unique).register(db)
    response = app.test_client().get(
        "/lti/login",
        base_url="https://localhost",
        query_string={
            "iss": platform.issuer,
            "login_hint": "u",
            "client_id": platform.client_id,
            "target_link_uri": "https://localhost/lti/launch",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "lti1p3_new_window" in page
    assert "Open leadpath in a new window" in page


def test_proxy_fix_makes_the_tool_see_https_behind_tls_offload(make_app, db, unique):
    app = make_app(base_url="https://localhost", proxy_fix=1)
    platform = make_platform(unique).register(db)
    client = app.test_client()
    state, nonce, _ = start_login(
        client, platform, target_link_uri="https://localhost/lti/launch", lti1p3_new_window="1"
    )
    assert state
    body = platform.claims(
        nonce,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://localhost/lti/launch"
        },
    )
    response = client.post(
        "/lti/launch",
        data={"id_token": platform.sign(body), "state": state},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
