"""Property: no id_token, however its claims are typed or its text is formed, gets a 5xx.

Hypothesis signs launches whose claims leadpath reads are replaced by any JSON value (or
removed), and posts arbitrary id_token and state text; every answer must be below 500.
"""

import base64
import json
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.lti.claim_types import TYPES
from tests.support.json_strategies import TEXT, json_values
from tests.support.lti_helpers import post_launch, start_login

CLAIMS = sorted([*TYPES, "exp", "iat", "https://example.test/extra"])
FIXTURES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FIXTURES
@given(overrides=st.dictionaries(st.sampled_from(CLAIMS), json_values(), min_size=1, max_size=4))
def test_signed_claims_of_any_json_type_never_give_a_server_error(client, platform, overrides):
    state, nonce, _ = start_login(client, platform)
    response = post_launch(client, state, _sign(platform, platform.claims(nonce, **overrides)))
    assert response.status_code < 500, (overrides, response.text[:500])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sign(platform, claims: dict) -> str:
    """Sign claims as a platform would, whatever their types (PyJWT refuses some)."""
    header = {"alg": "RS256", "typ": "JWT", "kid": platform.jwk["kid"]}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = platform.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _form(fields: dict) -> bytes:
    """Encode a form as a client may, lone surrogates included (as their UTF-8 bytes)."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()


SEGMENT = st.one_of(TEXT, st.binary(max_size=200).map(_b64))


@FIXTURES
@given(header=SEGMENT, payload=SEGMENT, signature=SEGMENT, state=TEXT)
def test_any_id_token_text_posted_without_a_login_never_gives_a_server_error(
    client, header, payload, signature, state
):
    token = f"{header}.{payload}.{signature}"
    response = client.post(
        "/lti/launch",
        data=_form({"id_token": token, "state": state}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500, (token, response.text[:500])


@FIXTURES
@given(header=json_values())
def test_any_json_header_never_gives_a_server_error(client, header):
    raw = json.dumps(header).encode("utf-8", "surrogatepass")
    token = f"{_b64(raw)}.e30.c2ln"
    response = client.post("/lti/launch", data={"id_token": token, "state": "s"})
    assert response.status_code < 500, (header, response.text[:500])
