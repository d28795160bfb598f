"""A test platform that signs its own id_tokens, for launches the certification suite mangles.

The happy path is also driven by the independent `lti1p3platform` package (see
test_launch_lti1p3platform.py); this signer exists to build the invalid tokens it cannot.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.keys import rsa_key

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
MENTOR = LIS + "membership#Mentor"
STUDENT = LIS + "institution/person#Student"
FACULTY = LIS + "institution/person#Faculty"
BASE_URL = "http://localhost"
LAUNCH_URL = BASE_URL + "/lti/launch"


def new_key() -> tuple[rsa.RSAPrivateKey, dict]:
    """Return an RSA private key distinct within the test, and its public JWK (a new kid)."""
    key = rsa_key()
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": uuid.uuid4().hex, "alg": "RS256", "use": "sig"})
    return key, jwk


@dataclass
class TestPlatform:
    """An LMS registration plus the key it signs with."""

    issuer: str
    client_id: str
    deployment_id: str
    key: rsa.RSAPrivateKey
    jwk: dict
    extra_deployments: list[str] = field(default_factory=list)

    def register(self, db, *, key_set_url: str | None = None, inline_keys: bool = True):
        """Register this platform with the tool's registry."""
        from lti_tool.lti.registry import add_platform

        with db.transaction() as session:
            add_platform(
                session,
                issuer=self.issuer,
                client_id=self.client_id,
                deployment_ids=[self.deployment_id, *self.extra_deployments],
                auth_login_url=self.issuer + "/auth",
                auth_token_url=self.issuer + "/token",
                key_set_url=key_set_url,
                key_set={"keys": [self.jwk]} if inline_keys else None,
            )
        return self

    def claims(self, login_nonce: str, *, roles=(LEARNER,), **overrides) -> dict:
        """Return a valid resource link launch body; overrides replace or (None) remove claims."""
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": login_nonce,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": LAUNCH_URL,
            LTI + "roles": list(roles),
            LTI + "resource_link": {"id": "link-1", "title": "Leadership self-assessment"},
            LTI + "context": {"id": "course-1", "title": "Leadership 101", "label": "L101"},
            "name": "Jo Bloggs",
            "given_name": "Jo",
            "family_name": "Bloggs",
            "email": "jo@example.test",
        }
        for claim, value in overrides.items():
            if value is None:
                body.pop(claim, None)
            else:
                body[claim] = value
        return body

    def sign(self, body: dict, *, kid: str | None | bool = True, key=None) -> str:
        """Sign a body with the platform's key; kid=None omits the kid, a string replaces it."""
        headers = {}
        if kid is True:
            headers["kid"] = self.jwk["kid"]
        elif isinstance(kid, str):
            headers["kid"] = kid
        return jwt.encode(body, key or self.key, algorithm="RS256", headers=headers)


def make_platform(unique: str, **kwargs) -> TestPlatform:
    """Return a new test platform with unique issuer and ids."""
    key, jwk = new_key()
    return TestPlatform(
        issuer=f"https://lms-{unique}.example.test",
        client_id=f"client-{unique}",
        deployment_id=f"dep-{unique}",
        key=key,
        jwk=jwk,
        **kwargs,
    )


def start_login(client, platform: TestPlatform, **params):
    """Run the OIDC login; return (state, nonce, response)."""
    query = {
        "iss": platform.issuer,
        "login_hint": "hint-1",
        "target_link_uri": LAUNCH_URL,
        "lti_message_hint": "msg-1",
        "client_id": platform.client_id,
    }
    query.update(params)
    response = client.get("/lti/login", query_string={k: v for k, v in query.items() if v})
    if response.status_code != 302:
        return None, None, response
    sent = parse_qs(urlsplit(response.location).query)
    return sent["state"][0], sent["nonce"][0], response


def post_launch(client, state: str, id_token: str):
    """POST an id_token and state to the launch URL."""
    return client.post("/lti/launch", data={"id_token": id_token, "state": state})


def launch(client, platform: TestPlatform, *, sign_kwargs=None, **claim_overrides):
    """Log in and launch with a token built from claims(); return the launch response."""
    state, nonce, response = start_login(client, platform)
    assert state, response.data
    body = platform.claims(nonce, **claim_overrides)
    return post_launch(client, state, platform.sign(body, **(sign_kwargs or {})))


def error_code(response) -> str | None:
    """Return the failed check's code shown on an error page (or in a JSON error)."""
    if response.is_json:
        return response.get_json().get("error")
    found = re.search(r'data-error-code="([a-z0-9_]+)"', response.get_data(as_text=True))
    return found.group(1) if found else None


def autopost_fields(response) -> dict:
    """Return the hidden fields of an auto-submitting form page."""
    text = response.get_data(as_text=True)
    return {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', text)}
