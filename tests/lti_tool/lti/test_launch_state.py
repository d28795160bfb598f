"""Launch state lives server-side (database or Redis), is consumed once and expires."""

import time

import pytest

from lti_tool.lti.errors import LaunchError
from lti_tool.lti.state import DatabaseLaunchStore, PendingLogin, RedisLaunchStore
from tests.support.lti_helpers import error_code, make_platform, post_launch, start_login
from tests.support.services import redis_url


@pytest.fixture(params=["database", "redis"])
def store(request, db):
    if request.param == "database":
        return DatabaseLaunchStore(db)
    return RedisLaunchStore(redis_url(), timeout=2)


def _login(unique):
    return PendingLogin(f"state-{unique}", f"nonce-{unique}", "https://lms.test", "c", "t")


def test_a_login_is_consumed_exactly_once(store, unique):
    store.put(_login(unique), ttl=60)
    assert store.consume(f"state-{unique}").nonce == f"nonce-{unique}"
    with pytest.raises(LaunchError) as second:
        store.consume(f"state-{unique}")
    assert second.value.code == "launch_replayed"


def test_an_unknown_state_is_refused(store, unique):
    with pytest.raises(LaunchError) as refused:
        store.consume(f"never-{unique}")
    assert refused.value.code == "state_unknown"


def test_an_expired_login_cannot_be_consumed(store, unique):
    store.put(_login(unique), ttl=1)
    time.sleep(1.2)
    with pytest.raises(LaunchError) as refused:
        store.consume(f"state-{unique}")
    assert refused.value.code in {"state_expired", "state_unknown"}


def test_login_keeps_nothing_in_the_cookie_session(client, platform):
    _state, _nonce, response = start_login(client, platform)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("session=") for c in cookies)
    # The only cookie is the state marker, scoped to /lti/ and HttpOnly.
    assert len(cookies) == 1 and "Path=/lti/" in cookies[0] and "HttpOnly" in cookies[0]


def test_launches_work_with_redis_as_the_launch_store(make_app, db, unique):
    app = make_app(redis_url=redis_url())
    platform = make_platform(unique).register(db)
    client = app.test_client()
    state, nonce, _ = start_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    assert post_launch(client, state, token).status_code == 303
    client.set_cookie("leadpath-state-" + state[:16], state, path="/lti/")
    assert error_code(post_launch(client, state, token)) == "launch_replayed"


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
