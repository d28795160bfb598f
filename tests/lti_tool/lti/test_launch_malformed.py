"""Launches that are malformed but signed (or not signed at all) are refused by a named check.

Before, these answered 500: a deeply nested id_token header posted with no credentials, and
correctly signed claims of the wrong JSON type, one of which also wrote the name and email
into the logged SQL parameters.
"""

import base64
import html

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tests.support.lti_helpers import LTI, error_code, launch

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("header", ["[" * 3_000 + "]" * 3_000, '{"a":' * 1_400 + "1" + "}" * 1_400])
def test_a_deeply_nested_id_token_header_is_refused_without_credentials(client, header):
    token = _b64(header) + ".e30.c2ln"
    assert len(token) > 8_000
    response = client.post("/lti/launch", data={"id_token": token, "state": "anything"})
    assert response.status_code == 400
    assert error_code(response) == "id_token_unreadable"
    assert "nested more than 64 levels" in response.text


WRONG_TYPES = {
    "deployment_id a list": ({LTI + "deployment_id": ["dep"]}, "deployment_id", "text"),
    "custom a string": (
        {LTI + "custom": "framework=lf-2011"},
        "custom",
        "an object whose values are text",
    ),
    "custom holding an object": (
        {LTI + "custom": {"framework": {"a": 1}}},
        "custom",
        "an object whose values are text",
    ),
    "custom holding a number": (
        {LTI + "custom": {"grade_maximum": 10}},
        "custom",
        "an object whose values are text",
    ),
    "name an object": ({"name": {"first": "Jo"}}, "name", "text"),
    "email a list": ({"email": ["jo@example.test"]}, "email", "text"),
    "roles of objects": ({LTI + "roles": [{"role": "Learner"}]}, "roles", "a list of text"),
    "context a string": ({LTI + "context": "course-1"}, "context", "an object"),
    "context id an object": ({LTI + "context": {"id": {"a": 1}}}, "context#id", "text"),
    "resource_link a string": ({LTI + "resource_link": "link-1"}, "resource_link", "an object"),
    "tool_platform a string": ({LTI + "tool_platform": "Moodle"}, "tool_platform", "an object"),
    "launch_presentation a list": (
        {LTI + "launch_presentation": []},
        "launch_presentation",
        "an object",
    ),
    "ags endpoint a string": ({AGS: "https://lms.example/ags"}, "endpoint", "an object"),
    "ags scope a string": ({AGS: {"scope": "score"}}, "endpoint#scope", "a list of text"),
    "message_type a list": (
        {LTI + "message_type": ["LtiResourceLinkRequest"]},
        "message_type",
        "text",
    ),
    "version a list": ({LTI + "version": ["1.3.0"]}, "version", "text"),
    "nonce a list": ({"nonce": ["n"]}, "nonce", "text"),
    "aud an object": ({"aud": {"client": "x"}}, "aud", "text or a list of text"),
    "deep linking accept_multiple a string": (
        {DL: {"accept_multiple": "yes"}},
        "deep_linking_settings#accept_multiple",
        "true or false",
    ),
}


@pytest.mark.parametrize("claims,named,wanted", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_a_signed_claim_of_the_wrong_json_type_is_refused_by_name(
    client, platform, claims, named, wanted
):
    response = launch(client, platform, **claims)
    assert response.status_code == 400, response.text
    assert error_code(response) == "claim_type"
    assert f"The id_token's '{named}' claim must be {wanted};" in html.unescape(response.text)


def test_a_refused_name_and_email_reach_neither_the_page_nor_the_log(client, platform, capfd):
    response = launch(
        client, platform, name={"full": "Josephine Secretname"}, email="jo.secret@example.test"
    )
    assert error_code(response) == "claim_type"
    out, err = capfd.readouterr()
    for value in ("Secretname", "jo.secret@example.test"):
        assert value not in response.text and value not in out + err


def test_sql_errors_never_carry_their_parameters(db):
    with pytest.raises(SQLAlchemyError) as caught:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": "jo@example.test"})
    assert "jo@example.test" not in str(caught.value)


@pytest.mark.parametrize("claim", ["sub", "name", "given_name"])
def test_a_lone_surrogate_in_a_signed_claim_is_refused(client, platform, claim):
    response = launch(client, platform, **{claim: "Jo \ud800"})
    assert response.status_code == 400
    assert error_code(response) == "id_token_unreadable"
    assert "lone surrogate" in response.text


def test_a_nul_character_in_a_signed_claim_is_refused(client, platform):
    response = launch(client, platform, name="Jo\u0000Bloggs")
    assert response.status_code == 400 and error_code(response) == "id_token_unreadable"
    assert "NUL character" in response.text


def test_a_deeply_nested_signed_claim_is_refused(client, platform):
    deep: dict = {"v": 1}
    for _ in range(100):
        deep = {"a": deep}
    response = launch(client, platform, **{"https://example.test/claim": deep})
    assert response.status_code == 400 and error_code(response) == "id_token_unreadable"
    assert "payload is nested more than 64 levels" in response.text


def test_claims_of_the_right_types_still_launch(client, platform):
    response = launch(
        client,
        platform,
        **{
            LTI + "custom": {"framework": "lf-2011"},
            LTI + "tool_platform": {"guid": "g", "name": "Moodle"},
            AGS: {"scope": [], "lineitems": "https://lms.example/li"},
            "aud": [platform.client_id],
        },
    )
    assert response.status_code == 303, response.text
