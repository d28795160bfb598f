"""LTI Dynamic Registration against a fake LMS over loopback HTTP."""

import json
import time

import pytest

from lti_tool.lti.registry import list_platforms
from tests.support.dynreg_platform import (
    AGS,
    NRPS_SCOPE,
    PLATFORM_CONFIG,
    TOOL_CONFIG,
    FakeLms,
    brightspace_shape,
    canvas_shape,
)
from tests.support.loopback import JsonEndpoint, closed_port_url
from tests.support.lti_helpers import error_code, launch

TOKEN = "registration-token-from-the-lms"


@pytest.fixture
def lms(unique):
    with FakeLms(unique) as fake:
        yield fake


def invite(app, hours=24) -> str:
    from datetime import timedelta

    from lti_tool.lti import invitations

    token, _ = invitations.create(app.extensions["leadpath.db"].engine, timedelta(hours=hours))
    return token


def register(client, config_url, token=TOKEN, invitation=None):
    query = {"openid_configuration": config_url}
    if token:
        query["registration_token"] = token
    query["invitation"] = invitation or invite(client.application)
    return client.get("/lti/register", query_string=query)


def registrations_of(db, issuer):
    with db.transaction() as session:
        return [p for p in list_platforms(session) if p.issuer == issuer]


def test_registration_stores_the_platform_and_asks_the_lms_to_close_the_dialog(client, db, lms):
    response = register(client, lms.config_url)
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    [stored] = registrations_of(db, lms.issuer)
    assert stored.client_id == f"client-{lms.unique}-1"
    assert stored.deployment_ids == [f"dep-{lms.unique}"]
    assert stored.auth_login_url == lms.issuer + "/auth"
    assert stored.auth_token_url == lms.issuer + "/token"
    assert stored.key_set_url == lms.issuer + "/jwks"
    assert stored.name.startswith("moodle at 127.0.0.1:")
    assert "leadpath is registered with moodle at 127.0.0.1:" in text
    # The page asks the LMS to close the dialog from a static script (no inline script).
    assert '<script src="/static/registration.js" defer></script>' in text
    assert "<script>" not in text
    script = client.get("/static/registration.js")
    source = script.get_data(as_text=True)
    script.close()
    assert 'postMessage({ subject: "org.imsglobal.lti.close" }, "*")' in source
    assert "window.opener || window.parent" in source
    assert response.headers["Cache-Control"] == "no-store"


def test_registration_token_is_sent_as_bearer_to_configuration_and_registration(client, lms):
    assert register(client, lms.config_url).status_code == 200
    assert lms.config_auth == [f"Bearer {TOKEN}"]
    assert [auth for auth, _ in lms.registrations] == [f"Bearer {TOKEN}"]


def test_registration_without_token_sends_no_authorization(client, lms):
    assert register(client, lms.config_url, token=None).status_code == 200
    assert lms.config_auth == [None]
    assert lms.registrations[0][0] is None


def test_requested_scopes_are_only_those_the_platform_supports(client, lms):
    lms.config["scopes_supported"] = ["openid", AGS + "score", NRPS_SCOPE, "urn:other"]
    assert register(client, lms.config_url).status_code == 200
    _, body = lms.registrations[0]
    assert body["scope"].split(" ") == [AGS + "score", NRPS_SCOPE]


def test_platform_without_scopes_supported_gets_an_empty_scope(client, lms):
    del lms.config["scopes_supported"]
    assert register(client, lms.config_url).status_code == 200
    assert lms.registrations[0][1]["scope"] == ""


def test_client_registration_names_leadpath_login_launch_and_keyset_urls(client, lms):
    assert register(client, lms.config_url).status_code == 200
    _, body = lms.registrations[0]
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert body["grant_types"] == ["implicit", "client_credentials"]
    assert body["initiate_login_uri"] == "http://localhost/lti/login"
    assert body["redirect_uris"] == ["http://localhost/lti/launch"]
    assert body["jwks_uri"] == "http://localhost/lti/jwks"
    assert body["client_name"] == "leadpath"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    tool = body[TOOL_CONFIG]
    assert tool["domain"] == "localhost"
    assert tool["target_link_uri"] == "http://localhost/lti/launch"
    assert tool["claims"] == ["iss", "sub", "name", "given_name", "family_name", "email"]
    assert tool["custom_parameters"] == {}
    assert tool["description"]
    assert tool["messages"] == [
        {"type": "LtiResourceLinkRequest"},
        {
            "type": "LtiDeepLinkingRequest",
            "target_link_uri": "http://localhost/lti/launch",
            "label": "leadpath assessment",
        },
    ]


def test_deep_linking_is_not_requested_from_a_platform_without_it(client, lms):
    lms.config[PLATFORM_CONFIG]["messages_supported"] = [{"type": "LtiResourceLinkRequest"}]
    assert register(client, lms.config_url).status_code == 200
    assert lms.registrations[0][1][TOOL_CONFIG]["messages"] == [{"type": "LtiResourceLinkRequest"}]


def test_missing_openid_configuration_parameter_is_a_400_keeping_the_invitation(client, app):
    invitation = invite(app)
    response = client.get("/lti/register", query_string={"invitation": invitation})
    assert response.status_code == 400
    assert error_code(response) == "openid_configuration_missing"
    assert "whole registration URL" in response.get_data(as_text=True)


def test_unreachable_configuration_gives_a_clear_error(client):
    response = register(client, closed_port_url())
    assert response.status_code == 400
    assert error_code(response) == "platform_config_unreachable"
    assert "could not reach" in response.get_data(as_text=True)


def test_slow_configuration_times_out_without_hanging(make_app):
    app = make_app(http_timeout=0.5)
    with JsonEndpoint({"issuer": "never read"}, delay=3) as slow:
        started = time.monotonic()
        response = register(app.test_client(), slow.url)
        elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert error_code(response) == "platform_config_timeout"
    assert "within 0.5 seconds" in response.get_data(as_text=True)
    assert elapsed < 2.5


def test_configuration_that_is_not_json_is_refused(client):
    with JsonEndpoint({}, status=500) as broken:
        response = register(client, broken.url)
    assert error_code(response) == "platform_config_invalid"
    assert "HTTP 500" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "make_issuer",
    [
        lambda lms: "https://moodle.example.test",
        lambda lms: lms.issuer + "-elsewhere",
        lambda lms: lms.issuer[:-3],
        lambda lms: lms.issuer.rsplit("/", 1)[0] + "/other",
        lambda lms: lms.issuer.replace("http://", "ftp://"),
    ],
    ids=["other-host", "longer-path", "partial-path-segment", "sibling-path", "not-http"],
)
def test_issuer_the_configuration_url_does_not_start_with_is_refused(client, db, lms, make_issuer):
    lms.config["issuer"] = make_issuer(lms)
    response = register(client, lms.config_url)
    assert response.status_code == 400
    assert error_code(response) == "platform_issuer_mismatch"
    assert lms.registrations == []
    assert registrations_of(db, lms.config["issuer"]) == []


def test_issuer_that_is_a_parent_path_of_the_configuration_url_is_accepted(client, db, lms):
    origin = lms.issuer.rsplit("/", 1)[0]
    lms.config["issuer"] = origin
    assert register(client, lms.config_url).status_code == 200
    assert len(registrations_of(db, origin)) == 1


def test_http_platform_is_refused_when_leadpath_runs_on_https(make_app, lms):
    app = make_app(base_url="https://leadpath.example.test")
    response = register(app.test_client(), lms.config_url)
    assert error_code(response) == "platform_config_insecure"
    assert lms.config_auth == []


def test_configuration_without_lti_platform_details_is_refused(client, lms):
    del lms.config["registration_endpoint"]
    lms.config[PLATFORM_CONFIG] = {"messages_supported": ["LtiDeepLinkingRequest"]}
    response = register(client, lms.config_url)
    text = response.get_data(as_text=True)
    assert error_code(response) == "platform_config_invalid"
    assert "registration_endpoint" in text
    assert "product_family_code" in text
    assert "LtiResourceLinkRequest" in text


def test_registration_refused_by_the_platform_is_summarised_not_echoed(client, db, lms):
    lms.register_status = 400
    lms.register_body = json.dumps(
        {"error": "invalid_client_metadata", "error_description": "internal host db-7 said no"}
    ).encode()
    response = register(client, lms.config_url)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_code(response) == "registration_refused"
    assert "HTTP 400" in text and "error code &#39;invalid_client_metadata&#39;" in text
    assert "db-7" not in text and "said no" not in text
    assert registrations_of(db, lms.issuer) == []


def test_an_error_page_of_an_internal_service_is_not_shown(client, lms):
    lms.register_status = 500
    lms.register_body = b"<html>Jenkins 2.4 admin console: build secrets</html>"
    text = register(client, lms.config_url).get_data(as_text=True)
    assert "Jenkins" not in text and "secrets" not in text
    assert "HTTP 500" in text


def test_registration_answer_without_client_id_is_refused(client, db, lms):
    lms.register_body = json.dumps({TOOL_CONFIG: {"deployment_id": "1"}}).encode()
    response = register(client, lms.config_url)
    assert error_code(response) == "registration_response_invalid"
    assert registrations_of(db, lms.issuer) == []


def test_reregistration_with_a_new_client_id_adds_a_second_registration(client, db, lms):
    assert register(client, lms.config_url).status_code == 200
    lms.deployment_id = f"dep2-{lms.unique}"
    assert register(client, lms.config_url).status_code == 200
    stored = registrations_of(db, lms.issuer)
    assert [(p.client_id, p.deployment_ids) for p in stored] == [
        (f"client-{lms.unique}-1", [f"dep-{lms.unique}"]),
        (f"client-{lms.unique}-2", [f"dep2-{lms.unique}"]),
    ]


def test_reregistration_with_the_same_client_id_updates_the_registration(client, db, lms):
    lms.client_id = f"fixed-{lms.unique}"
    assert register(client, lms.config_url).status_code == 200
    lms.deployment_id = f"dep2-{lms.unique}"
    lms.config["token_endpoint"] = lms.issuer + "/token2"
    assert register(client, lms.config_url).status_code == 200
    [stored] = registrations_of(db, lms.issuer)
    assert stored.deployment_ids == [f"dep-{lms.unique}", f"dep2-{lms.unique}"]
    assert stored.auth_token_url == lms.issuer + "/token2"


def test_dynamically_registered_platform_can_launch_with_keys_from_its_jwks(client, lms):
    assert register(client, lms.config_url).status_code == 200
    platform = lms.as_test_platform(f"client-{lms.unique}-1", f"dep-{lms.unique}")
    response = launch(client, platform)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_registration_without_deployment_id_stores_none_and_launch_names_the_command(
    client, db, lms
):
    lms.deployment_id = None
    response = register(client, lms.config_url)
    assert "--deployment-id" in response.get_data(as_text=True)
    [stored] = registrations_of(db, lms.issuer)
    assert stored.deployment_ids == []
    platform = lms.as_test_platform(stored.client_id, "dep-assigned-later")
    refused = launch(client, platform)
    assert error_code(refused) == "deployment_unknown"
    assert "leadpath platform add --issuer " + lms.issuer in refused.get_data(as_text=True)


def test_failed_registration_writes_one_structured_log_line(client, lms, caplog):
    import logging

    lms.register_status = 401
    lms.register_body = b"token_already_used"
    caplog.set_level(logging.WARNING, logger="leadpath")
    response = register(client, lms.config_url)
    events = [getattr(r, "fields", {}) for r in caplog.records]
    [line] = [f for f in events if f.get("event") == "request_refused"]
    assert line["code"] == "registration_refused"
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert TOKEN not in json.dumps(line)


def test_canvas_registers_with_its_documented_configuration(client, db, lms):
    canvas_shape(lms)
    response = register(client, lms.config_url)
    assert response.status_code == 200, response.get_data(as_text=True)
    [stored] = registrations_of(db, lms.issuer)
    assert stored.auth_login_url == lms.issuer + "/api/lti/authorize_redirect"
    assert stored.key_set_url == lms.issuer + "/login/oauth2/jwks"
    assert stored.name.startswith("canvas at ")
    # Canvas's authorization_server is a host name, not an audience: the token URL is used.
    assert stored.token_audience is None
    _, body = lms.registrations[0]
    tool = body[TOOL_CONFIG]
    assert tool["https://canvas.instructure.com/lti/privacy_level"] == "public"
    assert tool["https://canvas.instructure.com/lti/tool_id"] == "leadpath"
    [deep_linking] = [m for m in tool["messages"] if m["type"] == "LtiDeepLinkingRequest"]
    assert deep_linking["placements"] == ["link_selection", "assignment_selection"]
    assert set(body["scope"].split()) == {
        AGS + "lineitem",
        AGS + "score",
        AGS + "result.readonly",
        NRPS_SCOPE,
    }
    # Canvas makes the deployment when the tool is installed; its first launch names the command.
    assert stored.deployment_ids == []
    platform = lms.as_test_platform(stored.client_id, "canvas-deployment-1")
    assert error_code(launch(client, platform)) == "deployment_unknown"
    from lti_tool.lti.registry import add_platform

    with db.transaction() as session:
        add_platform(
            session,
            issuer=lms.issuer,
            client_id=stored.client_id,
            deployment_ids=["canvas-deployment-1"],
        )
    assert launch(client, platform).status_code == 303


def test_brightspace_registers_with_its_oauth_audience_and_token_requests_name_it(client, db, lms):
    import requests

    from lti_tool.grades.queue import SCORE_SCOPE
    from lti_tool.grades.token import TokenClient, TokenTarget
    from lti_tool.lti.registry import find_platform
    from tests.support.gradebook_platform import Gradebook

    audience = "https://api.brightspace.com/auth/token"
    with Gradebook(client.get("/lti/jwks").get_json(), "unset") as gradebook:
        brightspace_shape(lms, token_endpoint=gradebook.token_url)
        response = register(client, lms.config_url)
        assert response.status_code == 200, response.get_data(as_text=True)
        [stored] = registrations_of(db, lms.issuer)
        assert stored.name.startswith("desire2learn at ")
        assert stored.auth_login_url == lms.issuer + "/d2l/lti/authenticate"
        assert stored.auth_token_url == gradebook.token_url
        assert stored.token_audience == audience
        assert stored.deployment_ids == [f"dep-{lms.unique}"]
        gradebook.client_id, gradebook.audience = stored.client_id, audience
        with db.sessions() as session:
            row = find_platform(session, lms.issuer, stored.client_id)
            target = TokenTarget(row.id, row.client_id, row.auth_token_url, row.token_audience)
        keys = client.application.extensions["leadpath.keys"]
        TokenClient(requests.Session(), lambda: keys, (2, 2)).token(target, (SCORE_SCOPE,))
    assert gradebook.refusals == [] and gradebook.token_grants == 1


def test_a_platform_offering_submission_review_is_asked_for_it(client, lms):
    lms.config[PLATFORM_CONFIG]["messages_supported"].append("LtiSubmissionReviewRequest")
    assert register(client, lms.config_url).status_code == 200
    messages = lms.registrations[0][1][TOOL_CONFIG]["messages"]
    assert messages[-1] == {
        "type": "LtiSubmissionReviewRequest",
        "target_link_uri": "http://localhost/lti/launch",
    }
