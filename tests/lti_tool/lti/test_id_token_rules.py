"""leadpath judges every id_token exactly as PyJWT's jwt.decode would (same outcome, same error)."""

import base64
import json
import time

import jwt
import pytest

from lti_tool.lti.jws import decode_rs256
from tests.support.lti_helpers import error_code, launch, new_key, post_launch, start_login

KEY, JWK = new_key()
PUBLIC = KEY.public_key()
OTHER_KEY, _ = new_key()
NOW = int(time.time())
CLAIMS = {"iss": "https://lms.test", "sub": "u", "iat": NOW, "exp": NOW + 300, "nonce": "n"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _token(claims=None, headers=None, key=KEY) -> str:
    return jwt.encode(
        CLAIMS if claims is None else claims,
        key,
        algorithm="RS256",
        headers={"kid": "k1", **(headers or {})},
    )


def _raw(header: dict, payload, key=KEY) -> str:
    """Sign arbitrary header and payload bytes (jwt.encode would refuse some of these)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(body)
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(signature)


def _swap_last_char(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


GOOD = _token()
HEADER = {"alg": "RS256", "typ": "JWT", "kid": "k1"}
TOKENS = {
    "valid": GOOD,
    "padded segments": ".".join(p + "=" * (-len(p) % 4) for p in GOOD.split(".")),
    "padded signature": GOOD + "=" * (-len(GOOD.rsplit(".", 1)[1]) % 4),
    "too much padding": GOOD + "===",
    "junk character": GOOD[:20] + "!" + GOOD[21:],
    "non-ascii character": GOOD[:20] + "é" + GOOD[21:],
    "loose trailing bits": _swap_last_char(GOOD),
    "four segments": GOOD + ".abc",
    "two segments": GOOD.rsplit(".", 1)[0],
    "empty": "",
    "other key": _token(key=OTHER_KEY),
    "expired": _token({**CLAIMS, "exp": NOW - 600, "iat": NOW - 900}),
    "expired within leeway": _token({**CLAIMS, "exp": NOW - 3}),
    "iat in the future": _token({**CLAIMS, "iat": NOW + 600}),
    "iat as text": _token({**CLAIMS, "iat": str(NOW)}),
    "iat not a number": _token({**CLAIMS, "iat": "soon"}),
    "exp not a number": _token({**CLAIMS, "exp": "later"}),
    "exp as float": _token({**CLAIMS, "exp": NOW + 300.5}),
    "nbf in the future": _token({**CLAIMS, "nbf": NOW + 600}),
    "nbf not a number": _token({**CLAIMS, "nbf": [1]}),
    "no exp": _token({k: v for k, v in CLAIMS.items() if k != "exp"}),
    "no iat": _token({k: v for k, v in CLAIMS.items() if k != "iat"}),
    "null exp": _token({**CLAIMS, "exp": None}),
    "sub not text": _token({**CLAIMS, "sub": 42}),
    "jti not text": _token({**CLAIMS, "jti": 42}),
    "kid not text": _raw({**HEADER, "kid": 7}, CLAIMS),
    "alg none in header": _raw({**HEADER, "alg": "none"}, CLAIMS),
    "alg HS256 in header": _raw({**HEADER, "alg": "HS256"}, CLAIMS),
    "unknown crit": _raw({**HEADER, "crit": ["exp"], "exp": 1}, CLAIMS),
    "empty crit": _raw({**HEADER, "crit": []}, CLAIMS),
    "crit b64 true": _raw({**HEADER, "crit": ["b64"], "b64": True}, CLAIMS),
    "b64 false": _raw({**HEADER, "crit": ["b64"], "b64": False}, CLAIMS),
    "b64 false without crit": _raw({**HEADER, "b64": False}, CLAIMS),
    "b64 false, detached": _raw({**HEADER, "crit": ["b64"], "b64": False}, CLAIMS).replace(
        "." + _b64(json.dumps(CLAIMS).encode()) + ".", ".."
    ),
    "b64 false without crit, detached": _raw({**HEADER, "b64": False}, CLAIMS).replace(
        "." + _b64(json.dumps(CLAIMS).encode()) + ".", ".."
    ),
    "payload not an object": _raw(HEADER, [1, 2]),
    "payload not json": _raw(HEADER, b"{not json"),
    "header not an object": _b64(b"[1]") + "." + GOOD.split(".", 1)[1],
}


def _outcome(decode, token):
    try:
        return "accepted", decode(token)
    except jwt.PyJWTError as exc:
        return "refused", type(exc).__name__


@pytest.mark.parametrize("name", TOKENS)
def test_each_token_gets_the_same_verdict_as_pyjwt(name):
    token = TOKENS[name]
    expected = _outcome(
        lambda t: jwt.decode(
            t,
            key=PUBLIC,
            algorithms=["RS256"],
            leeway=5,
            options={"require": ["exp", "iat"], "verify_aud": False},
        ),
        token,
    )
    assert _outcome(lambda t: decode_rs256(t, PUBLIC, 5), token) == expected


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
