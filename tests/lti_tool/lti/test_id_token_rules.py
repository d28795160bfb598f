"""Every id_token leadpath is sent gets one fixed verdict: launched, or refused with a named code.

PyJWT's `jwt.decode` verifies the signature and the registered claims; leadpath's own checks
run around it (RS256 only, a `kid` that is text and names a known key) and map each PyJWT
error to a code. This table pins the outcome of each of 42 valid and mangled tokens posted to
/lti/launch, so a change in PyJWT or in those checks that alters any verdict fails here.
"""

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.support.lti_helpers import error_code, launch, new_key, post_launch, start_login

OTHER_KEY, _ = new_key()
LAUNCHED = None  # the verdict of a launch that passed every check (303 to the activity)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(header: dict, payload, key) -> str:
    """Sign arbitrary header and payload bytes (jwt.encode would refuse some of these)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(body)
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(signature)


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _set_loose_bit(token: str) -> str:
    """Flip the last bit of the signature segment, which a 256-byte signature never uses."""
    return token[:-1] + _ALPHABET[_ALPHABET.index(token[-1]) ^ 1]


class _Tokens:
    """Token builders for one platform and one launch body (its nonce from a real login)."""

    def __init__(self, platform, claims: dict):
        self.platform, self.claims = platform, claims
        self.header = {"alg": "RS256", "typ": "JWT", "kid": platform.jwk["kid"]}
        self.good = self.signed()

    def signed(self, claims=None, *, key=None, algorithm="RS256", kid=True) -> str:
        headers = {"kid": self.platform.jwk["kid"]} if kid is True else {}
        if isinstance(kid, str):
            headers["kid"] = kid
        body = self.claims if claims is None else claims
        return jwt.encode(body, key or self.platform.key, algorithm=algorithm, headers=headers)

    def with_claims(self, **changes) -> str:
        return self.signed({**self.claims, **changes})

    def without(self, name: str) -> str:
        return self.signed({k: v for k, v in self.claims.items() if k != name})

    def raw(self, payload=None, **header) -> str:
        claims = self.claims if payload is None else payload
        return _raw({**self.header, **header}, claims, self.platform.key)

    def detached(self, **header) -> str:
        payload = "." + _b64(json.dumps(self.claims).encode()) + "."
        return self.raw(**header).replace(payload, "..")


def _now(t: _Tokens) -> int:
    return t.claims["iat"]


# name: (how to build the token, the verdict: LAUNCHED or the refusal's code)
TOKENS = {
    "valid": (lambda t: t.good, LAUNCHED),
    "padded segments": (
        lambda t: ".".join(p + "=" * (-len(p) % 4) for p in t.good.split(".")),
        "signature_invalid",
    ),
    "padded signature": (
        lambda t: t.good + "=" * (-len(t.good.rsplit(".", 1)[1]) % 4),
        LAUNCHED,
    ),
    "too much padding": (lambda t: t.good + "===", "not_a_jwt"),
    "junk character": (lambda t: t.good[:20] + "!" + t.good[21:], "not_a_jwt"),
    "non-ascii character": (lambda t: t.good[:20] + "é" + t.good[21:], "not_a_jwt"),
    "loose trailing bits": (lambda t: _set_loose_bit(t.good), "not_a_jwt"),
    "four segments": (lambda t: t.good + ".abc", "not_a_jwt"),
    "two segments": (lambda t: t.good.rsplit(".", 1)[0], "not_a_jwt"),
    "empty": (lambda t: "", "id_token_missing"),
    "other key": (lambda t: t.signed(key=OTHER_KEY), "signature_invalid"),
    "expired": (
        lambda t: t.with_claims(exp=_now(t) - 600, iat=_now(t) - 900),
        "token_expired",
    ),
    "expired within leeway": (lambda t: t.with_claims(exp=_now(t) - 3), LAUNCHED),
    "iat in the future": (lambda t: t.with_claims(iat=_now(t) + 600), "iat_in_future"),
    "iat as text": (lambda t: t.with_claims(iat=str(_now(t))), LAUNCHED),
    "iat not a number": (lambda t: t.with_claims(iat="soon"), "iat_invalid"),
    "exp not a number": (lambda t: t.with_claims(exp="later"), "not_a_jwt"),
    "exp as float": (lambda t: t.with_claims(exp=_now(t) + 300.5), LAUNCHED),
    "nbf in the future": (lambda t: t.with_claims(nbf=_now(t) + 600), "iat_in_future"),
    "nbf not a number": (lambda t: t.with_claims(nbf=[1]), "not_a_jwt"),
    "no exp": (lambda t: t.without("exp"), "exp_missing"),
    "no iat": (lambda t: t.without("iat"), "iat_missing"),
    "null exp": (lambda t: t.with_claims(exp=None), "exp_missing"),
    "sub not text": (lambda t: t.with_claims(sub=42), "token_invalid"),
    "jti not text": (lambda t: t.with_claims(jti=42), "token_invalid"),
    "kid not text": (lambda t: t.raw(kid=7), "kid_invalid"),
    "kid missing": (lambda t: t.signed(kid=None), "kid_missing"),
    "kid empty": (lambda t: t.signed(kid=""), "kid_missing"),
    "kid unknown": (lambda t: t.signed(kid="not-a-registered-key"), "kid_unknown"),
    "alg none in header": (lambda t: t.raw(alg="none"), "alg_not_allowed"),
    "alg HS256 in header": (lambda t: t.raw(alg="HS256"), "alg_not_allowed"),
    "signed RS512": (lambda t: t.signed(algorithm="RS512"), "alg_not_allowed"),
    "unknown crit": (lambda t: t.raw(crit=["exp"], exp=1), "token_invalid"),
    "empty crit": (lambda t: t.raw(crit=[]), "token_invalid"),
    "crit b64 true": (lambda t: t.raw(crit=["b64"], b64=True), LAUNCHED),
    "b64 false": (lambda t: t.raw(crit=["b64"], b64=False), "not_a_jwt"),
    "b64 false without crit": (lambda t: t.raw(b64=False), "not_a_jwt"),
    "b64 false, detached": (lambda t: t.detached(crit=["b64"], b64=False), "not_a_jwt"),
    "b64 false without crit, detached": (lambda t: t.detached(b64=False), "token_invalid"),
    "payload not an object": (lambda t: t.raw([1, 2]), "not_a_jwt"),
    "payload not json": (lambda t: t.raw(b"{not json"), "not_a_jwt"),
    "header not an object": (
        lambda t: _b64(b"[1]") + "." + t.good.split(".", 1)[1],
        "not_a_jwt",
    ),
}


@pytest.mark.parametrize("name", TOKENS)
def test_each_token_gets_its_verdict(client, platform, name):
    build, verdict = TOKENS[name]
    state, nonce, _ = start_login(client, platform)
    response = post_launch(client, state, build(_Tokens(platform, platform.claims(nonce))))
    if verdict is LAUNCHED:
        assert response.status_code == 303, error_code(response)
        assert "/lti/launch" not in response.location
    else:
        assert (response.status_code, error_code(response)) == (400, verdict)


def test_a_key_name_that_is_not_text_is_refused_with_a_clear_error(client, platform):
    state, nonce, _ = start_login(client, platform)
    header = {"alg": "RS256", "typ": "JWT", "kid": [platform.jwk["kid"]]}
    response = post_launch(client, state, _raw(header, platform.claims(nonce), platform.key))
    assert response.status_code == 400
    assert error_code(response) == "kid_invalid"


def test_a_platform_that_pads_its_signature_segment_can_still_launch(client, platform):
    state, nonce, _ = start_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    padded = token + "=" * (-len(token.rsplit(".", 1)[1]) % 4)
    assert padded != token
    assert post_launch(client, state, padded).status_code == 303


def test_a_token_with_a_foreign_character_is_not_a_jwt(client, platform):
    response = launch(client, platform, sign_kwargs={})
    assert response.status_code == 303
    state, nonce, _ = start_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    response = post_launch(client, state, token[:-10] + "*" + token[-9:])
    assert error_code(response) == "not_a_jwt"


def test_a_refused_token_leaves_the_login_usable(client, platform):
    state, nonce, _ = start_login(client, platform)
    tokens = _Tokens(platform, platform.claims(nonce))
    assert error_code(post_launch(client, state, tokens.signed(key=OTHER_KEY))) == (
        "signature_invalid"
    )
    assert post_launch(client, state, tokens.good).status_code == 303
