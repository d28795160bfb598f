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


def _column_token(client, platform, **form) -> str:
    response = _choose(
        client,
        platform,
        {
            "title": "Foundation self-assessment",
            "assessment": "self",
            "framework": "lf-2011",
            "gradebook_column": "yes",
            **form,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return autopost_fields(response)["JWT"]


def _platform_reads(client, token) -> list[dict]:
    """Decode the response as lti1p3platform's platform does, accepting resource links only."""
    conf = _Conf(keyset=client.get("/lti/jwks").get_json())
    conf.get_registration()
    conf.set_accepted_deeplinking_types(["ltiResourceLink"])
    return conf.validate_deeplinking_resp({"JWT": token})


def test_a_gradebook_column_rides_on_the_resource_link_and_lti1p3platform_accepts_it(
    client, platform
):
    from lti1p3platform.lineitem import TDeepLinkingLineItem

    token = _column_token(client, platform, score_maximum="40", column_label="Leadership (self)")
    [item] = _platform_reads(client, token)
    column = item["lineItem"]
    assert set(column) - {"submissionReview"} <= set(TDeepLinkingLineItem.__annotations__)
    assert column["scoreMaximum"] == 40
    assert column["label"] == "Leadership (self)"
    assert column["tag"] == "leadpath-self-assessment"
    assert len(column["resourceId"]) == 36  # a new UUID per activity
    assert column["submissionReview"]["reviewableStatus"] == ["Completed"]
    assert item["custom"] == {
        "assessment": "self",
        "framework": "lf-2011",
        "grade_maximum": "40",
        "grade_label": "Leadership (self)",
        "grade_resource_id": column["resourceId"],
    }


def test_a_column_without_a_label_is_named_after_the_activity(client, platform):
    [item] = _platform_reads(client, _column_token(client, platform))
    assert item["lineItem"]["label"] == "Foundation self-assessment"
    assert item["lineItem"]["scoreMaximum"] == 100


@pytest.mark.parametrize(
    "form, code",
    [
        ({"score_maximum": "0"}, "score_maximum_invalid"),
        ({"score_maximum": "ten"}, "score_maximum_invalid"),
        ({"score_maximum": "10001"}, "score_maximum_invalid"),
        ({"assessment": "360"}, "gradebook_column_unscored"),
    ],
)
def test_a_column_leadpath_cannot_fill_is_refused_with_a_reason(client, platform, form, code):
    response = _choose(
        client,
        platform,
        {"assessment": "self", "framework": "lf-2011", "gradebook_column": "yes", **form},
    )
    assert response.status_code == 400
    assert error_code(response) == code


def test_scores_go_to_the_column_the_platform_made_from_the_deep_link(
    app, client, db, platform, unique
):
    from lti_tool.grades.models import SENT
    from tests.support.assess_helpers import (
        attempt_id_of,
        complete,
        fill_domain,
        launch_learner,
        start,
    )
    from tests.support.grade_helpers import (
        AGS,
        DOMAIN,
        make_sender,
        point_token_url,
        rows_of,
        send_until,
    )
    from tests.support.gradebook_platform import Gradebook

    [item] = _platform_reads(client, _column_token(client, platform, score_maximum="20"))
    with Gradebook(client.get("/lti/jwks").get_json(), platform.client_id) as gradebook:
        point_token_url(db, platform, gradebook.token_url)
        # The platform makes the column the content item asks for and launches into it.
        url = gradebook.add_line_item(item["lineItem"])
        endpoint = {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": gradebook.base + "/mod/lti/services.php/2/lineitems?type_id=1",
            "lineitem": url,
        }
        custom = {**item["custom"], "domains": DOMAIN}
        token = launch_learner(client, platform, f"dl-{unique}", custom, **{AGS: endpoint})
        attempt_id = attempt_id_of(start(client, token).location)
        assert fill_domain(client, token, attempt_id, DOMAIN, 3).status_code == 303
        assert complete(client, token, attempt_id).status_code == 303
        sender = make_sender(app)
        send_until(sender, lambda: rows_of(db, attempt_id)[0].status == SENT)
        sender.close()
    [score] = gradebook.scores
    assert gradebook.lineitem(score["lineitem"]) == url
    assert gradebook.line_item_posts == 0
