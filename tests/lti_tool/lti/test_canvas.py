"""Canvas's developer key JSON at /lti/canvas.json, checked against the fields Canvas documents."""

import pytest

from tests.support.dynreg_platform import FakeLms, canvas_shape

# Canvas's LTI 1.3 developer key JSON (doc/api/file.lti_dev_key_config): required keys.
REQUIRED = {"title", "description", "oidc_initiation_url", "target_link_uri", "scopes"}
PRIVACY_LEVELS = {"public", "name_only", "email_only", "anonymous"}
MESSAGE_TYPES = {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}


@pytest.mark.parametrize("base", ["http://localhost", "https://leadpath.example.ac.uk"])
def test_the_developer_key_json_names_leadpaths_urls_scopes_and_placements(make_app, base, unique):
    app = make_app(base_url=base)
    response = app.test_client().get("/lti/canvas.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    config = response.get_json()
    assert REQUIRED <= set(config)
    assert config["oidc_initiation_url"] == base + "/lti/login"
    assert config["target_link_uri"] == base + "/lti/launch"
    assert config["public_jwk_url"] == base + "/lti/jwks"
    # Every scope asked for is one Canvas offers (its documented openid configuration).
    with FakeLms(unique) as lms:
        offered = set(canvas_shape(lms).config["scopes_supported"])
    assert set(config["scopes"]) <= offered
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    [extension] = config["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] in PRIVACY_LEVELS
    assert extension["domain"] == base.split("://")[1]
    placements = extension["settings"]["placements"]
    assert {p["placement"] for p in placements} == {"link_selection", "assignment_selection"}
    assert all(p["message_type"] in MESSAGE_TYPES for p in placements)
    assert all(p["target_link_uri"] == base + "/lti/launch" for p in placements)


def test_the_developer_key_json_holds_no_key_material(client):
    text = client.get("/lti/canvas.json").get_data(as_text=True)
    assert "PRIVATE" not in text and '"d"' not in text and '"n"' not in text
