"""Gaps pylti1p3 leaves open, closed: replay, audience, target, clock skew, deployments, keys."""

import json
import time

import pytest

from tests.support.loopback import JsonEndpoint, closed_port_url
from tests.support.lti_helpers import (
    LTI,
    error_code,
    launch,
    make_platform,
    post_launch,
    start_login,
)


def test_replayed_id_token_is_rejected(client, platform):
    state, nonce, _ = start_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    assert post_launch(client, state, token).status_code == 303
    # The browser still offering the state cookie changes nothing: the state was used.
    client.set_cookie("leadpath-state-" + state[:16], state, path="/lti/")
    replay = post_launch(client, state, token)
    assert replay.status_code == 400
    assert error_code(replay) == "launch_replayed"


def test_id_token_replayed_against_a_fresh_login_is_rejected(client, platform):
    state, nonce, _ = start_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    assert post_launch(client, state, token).status_code == 303
    fresh_state, _fresh_nonce, _ = start_login(client, platform)
    replay = post_launch(client, fresh_state, token)
    assert error_code(replay) == "nonce_mismatch"


def test_launch_without_the_state_cookie_is_rejected(app, platform):
    state, nonce, _ = start_login(app.test_client(), platform)
    other_browser = app.test_client()
    response = post_launch(other_browser, state, platform.sign(platform.claims(nonce)))
    assert error_code(response) == "state_cookie_missing"


def test_unknown_state_is_rejected(client, platform):
    response = post_launch(client, "made-up-state", platform.sign(platform.claims("n")))
    assert error_code(response) == "state_unknown"


def test_expired_login_state_is_rejected(make_app, db, unique):
    app = make_app(launch_state_seconds=0)
    platform = make_platform(unique).register(db)
    client = app.test_client()
    state, nonce, _ = start_login(client, platform)
    response = post_launch(client, state, platform.sign(platform.claims(nonce)))
    assert error_code(response) == "state_expired"


def test_token_for_another_audience_is_rejected(client, platform):
    response = launch(client, platform, aud="someone-else", azp=None)
    assert response.status_code == 400
    assert error_code(response) == "aud_mismatch"


def test_audience_list_must_contain_our_client_id_not_only_first(client, platform):
    response = launch(client, platform, aud=["someone-else", "another"], azp="someone-else")
    assert error_code(response) == "aud_mismatch"


def test_audience_list_with_our_id_second_and_matching_azp_is_accepted(client, platform):
    response = launch(
        client, platform, aud=["other-tool", platform.client_id], azp=platform.client_id
    )
    assert response.status_code == 303


def test_several_audiences_without_azp_are_rejected(client, platform):
    response = launch(client, platform, aud=["other-tool", platform.client_id], azp=None)
    assert error_code(response) == "azp_missing"


def test_wrong_azp_is_rejected(client, platform):
    response = launch(client, platform, azp="other-tool")
    assert error_code(response) == "azp_mismatch"


def test_foreign_target_link_uri_in_token_is_rejected(client, platform):
    response = launch(client, platform, **{LTI + "target_link_uri": "https://evil.example/x"})
    assert error_code(response) == "target_link_uri_foreign"


def test_foreign_target_link_uri_at_login_is_rejected(client, platform):
    _state, _nonce, response = start_login(
        client, platform, target_link_uri="https://evil.example/launch"
    )
    assert response.status_code == 400
    assert error_code(response) == "target_link_uri_foreign"


@pytest.mark.parametrize("skew", [-45, 45])
def test_clock_skew_inside_the_leeway_is_accepted(client, platform, skew):
    now = int(time.time())
    # iat slightly in the future, or exp slightly in the past, by less than the 60 s default.
    claims = (
        {"iat": now + skew, "exp": now + skew + 300}
        if skew > 0
        else {"iat": now - 400, "exp": now + skew}
    )
    response = launch(client, platform, **claims)
    assert response.status_code == 303


@pytest.mark.parametrize("skew, code", [(-120, "token_expired"), (120, "iat_in_future")])
def test_clock_skew_outside_the_leeway_is_rejected(client, platform, skew, code):
    now = int(time.time())
    claims = (
        {"iat": now + skew, "exp": now + skew + 300}
        if skew > 0
        else {"iat": now - 400, "exp": now + skew}
    )
    response = launch(client, platform, **claims)
    assert error_code(response) == code


def test_clock_skew_leeway_is_configurable(make_app, db, unique):
    app = make_app(clock_skew=300)
    platform = make_platform(unique).register(db)
    now = int(time.time())
    response = launch(app.test_client(), platform, iat=now - 600, exp=now - 200)
    assert response.status_code == 303


def test_unknown_deployment_is_refused_naming_it_and_the_command(client, platform):
    response = launch(client, platform, **{LTI + "deployment_id": "dep-never-registered"})
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert error_code(response) == "deployment_unknown"
    assert "dep-never-registered" in text
    assert "leadpath platform add --issuer " + platform.issuer in text


def test_second_deployment_of_a_registration_is_accepted(client, db, unique):
    platform = make_platform(unique, extra_deployments=["second-deployment"]).register(db)
    response = launch(client, platform, **{LTI + "deployment_id": "second-deployment"})
    assert response.status_code == 303


def test_platform_keys_are_refetched_once_when_the_kid_is_unknown(client, db, unique):
    platform = make_platform(unique)
    from tests.support.lti_helpers import new_key

    old_key, old_jwk = new_key()
    with JsonEndpoint({"keys": [old_jwk]}) as jwks:
        platform.register(db, key_set_url=jwks.url, inline_keys=False)
        assert (
            launch(
                client, platform, sign_kwargs={"key": old_key, "kid": old_jwk["kid"]}
            ).status_code
            == 303
        )
        # The platform rotates to its new key: one refresh picks it up.
        jwks.payload = {"keys": [old_jwk, platform.jwk]}
        time.sleep(0.01)
        from lti_tool.lti import jwks as jwks_module

        jwks_module.MIN_REFRESH_INTERVAL, saved = 0.0, jwks_module.MIN_REFRESH_INTERVAL
        try:
            assert launch(client, platform).status_code == 303
        finally:
            jwks_module.MIN_REFRESH_INTERVAL = saved
        assert jwks.hits == 2
        assert launch(client, platform).status_code == 303
        assert jwks.hits == 2


def test_platform_jwks_endpoint_down_gives_a_clear_error(client, db, unique):
    platform = make_platform(unique).register(db, key_set_url=closed_port_url(), inline_keys=False)
    response = launch(client, platform)
    assert response.status_code == 400
    assert error_code(response) == "platform_keys_unreachable"
    assert "could not be read" in response.get_data(as_text=True)


def test_slow_platform_jwks_endpoint_times_out_without_hanging(make_app, db, unique):
    app = make_app(http_timeout=0.5)
    platform = make_platform(unique)
    with JsonEndpoint({"keys": [platform.jwk]}, delay=3) as jwks:
        platform.register(db, key_set_url=jwks.url, inline_keys=False)
        started = time.monotonic()
        response = launch(app.test_client(), platform)
        elapsed = time.monotonic() - started
    assert error_code(response) == "platform_keys_unreachable"
    assert "did not answer in time" in response.get_data(as_text=True)
    assert elapsed < 2.5


def test_platform_jwks_that_is_not_json_gives_a_clear_error(client, db, unique):
    platform = make_platform(unique)
    with JsonEndpoint({"keys": []}, status=500) as jwks:
        platform.register(db, key_set_url=jwks.url, inline_keys=False)
        response = launch(client, platform)
    assert error_code(response) == "platform_keys_unreachable"


def test_failed_launch_writes_one_structured_log_line_with_request_id(client, platform, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="leadpath")
    response = launch(client, platform, **{LTI + "version": "1.1"})
    lines = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "launch_failed"]
    assert len(lines) == 1
    assert lines[0].fields["check"] == "lti_version"
    request_id = response.headers["X-Request-Id"]
    assert lines[0].fields["request_id"] == request_id
    assert request_id in response.get_data(as_text=True)
    from lti_tool.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(lines[0]))
    assert (line["event"], line["check"], line["request_id"]) == (
        "launch_failed",
        "lti_version",
        request_id,
    )


def test_the_same_launch_posted_twice_at_once_is_recorded_once(make_app, db, unique):
    import threading

    import requests
    from sqlalchemy import func, select

    from lti_tool.models import LaunchSession, PlatformUser
    from tests.support.loopback import serve_wsgi

    app = make_app()
    platform = make_platform(unique).register(db)
    state, nonce, _ = start_login(app.test_client(), platform)
    token = platform.sign(platform.claims(nonce, sub="racer"))
    cookie = {"leadpath-state-" + state[:16]: state}
    with serve_wsgi(app) as base:
        statuses = []

        def post():
            response = requests.post(
                base + "/lti/launch",
                data={"id_token": token, "state": state},
                cookies=cookie,
                allow_redirects=False,
                timeout=10,
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [303, 400, 400, 400]
    with db.sessions() as session:
        sessions = session.scalar(
            select(func.count())
            .select_from(LaunchSession)
            .join(PlatformUser)
            .where(PlatformUser.issuer == platform.issuer)
        )
    assert sessions == 1


def test_a_failed_launch_does_not_use_up_its_login(client, platform):
    state, nonce, _ = start_login(client, platform)
    tampered = platform.claims(nonce)
    tampered[LTI + "version"] = "1.1"
    assert error_code(post_launch(client, state, platform.sign(tampered))) == "lti_version"
    assert post_launch(client, state, platform.sign(platform.claims(nonce))).status_code == 303
