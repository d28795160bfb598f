"""Deep linking: an instructor chooses an activity and leadpath returns a signed response."""

import jwt
import pytest
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract

from tests.support.lti_helpers import INSTRUCTOR, LEARNER, LTI, autopost_fields, error_code, launch

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RETURN_URL = "https://lms.example.test/deep-link-return"


def _dl_claims(**settings):
    return {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": None,
        DL + "deep_linking_settings": {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "data": "opaque-123",
            **settings,
        },
    }


def _choose(client, platform, form):
    landed = launch(client, platform, sub="dl-teacher", roles=[INSTRUCTOR], **_dl_claims())
    assert landed.status_code == 303 and landed.location.startswith("/lti/deep-link?ls=")
    page = client.get(landed.location)
    assert page.status_code == 200 and "Add a leadpath activity" in page.get_data(as_text=True)
    return client.post(landed.location, data=form)


class _Conf(LTI1P3PlatformConfAbstract):
    """lti1p3platform's own decoder of a tool's JWT, given the tool's keyset."""

    def init_platform_config(self, **kwargs):
        self.keyset = kwargs["keyset"]

    def get_registration_by_params(self, **kwargs):
        from lti1p3platform.registration import Registration

        return Registration().set_tool_key_set(self.keyset)


def test_deep_linking_returns_a_signed_resource_link_with_the_chosen_settings(client, platform):
    response = _choose(
        client,
        platform,
        {
            "title": "Foundation self-assessment",
            "assessment": "self",
            "framework": "lf-2011",
            "domains": ["working-with-others", "managing-services"],
            "career_phase": "foundation",
        },
    )
    assert response.status_code == 200
    token = autopost_fields(response)["JWT"]
    assert f'action="{RETURN_URL}"' in response.get_data(as_text=True)
    conf = _Conf(keyset=client.get("/lti/jwks").get_json())
    conf.get_registration()
    message = conf.tool_validate_and_decode(token)
    assert message["iss"] == platform.client_id and message["aud"] == [platform.issuer]
    assert message[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert message[DL + "data"] == "opaque-123"
    [item] = message[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Foundation self-assessment"
    assert item["url"] == "http://localhost/lti/launch"
    assert item["custom"] == {
        "assessment": "self",
        "framework": "lf-2011",
        "domains": "working-with-others,managing-services",
        "career_phase": "foundation",
    }
    assert jwt.get_unverified_header(token)["kid"] in {
        k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]
    }


def test_deep_linking_rejects_an_unknown_domain_with_a_clear_message(client, platform):
    response = _choose(
        client, platform, {"assessment": "self", "framework": "lf-2011", "domains": ["making-tea"]}
    )
    assert response.status_code == 400
    assert error_code(response) == "domain_unknown"
    assert "making-tea" in response.get_data(as_text=True)


def test_a_learner_cannot_answer_a_deep_linking_request(client, platform):
    landed = launch(client, platform, sub="dl-learner", roles=[LEARNER], **_dl_claims())
    assert client.get(landed.location).status_code == 403


def test_deep_link_page_needs_a_deep_linking_launch(client, platform):
    landed = launch(client, platform, sub="dl-plain", roles=[INSTRUCTOR])
    token = landed.location.split("ls=")[1]
    response = client.get(f"/lti/deep-link?ls={token}")
    assert response.status_code == 400
    assert error_code(response) == "not_deep_linking"


@pytest.mark.parametrize(
    "return_url",
    [
        "javascript:alert(document.domain)//",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://lms.example.test/deep-link-return",
        "https://user:pass@lms.example.test/return",
    ],
)
def test_a_return_url_that_is_not_https_never_becomes_the_form_action(client, platform, return_url):
    claims = _dl_claims(deep_link_return_url=return_url)
    landed = launch(client, platform, sub="dl-teacher", roles=[INSTRUCTOR], **claims)
    assert landed.status_code == 303
    response = client.post(landed.location, data={"assessment": "self", "framework": "lf-2011"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_code(response) == "deep_link_return_url_refused"
    assert "<form" not in text or "javascript:" not in text
    assert 'id="autopost"' not in text
