"""RS256 id_token verification by PyJWT's rules, without its per-character Python loop.

`jwt.decode` checks the base64url alphabet one character at a time in Python, which costs
several times the RSA verification itself on a launch-sized token. This module applies the same
checks in the same order (segments, header, signature, payload, then exp/iat/nbf/sub/jti) with
a regular expression, and raises PyJWT's own exceptions, so callers map errors exactly as for
`jwt.decode(token, key, algorithms=["RS256"], leeway=…, options={"require": ["exp", "iat"],
"verify_aud": False})`.
"""

from __future__ import annotations

import base64
import binascii
import re
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidIssuedAtError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

from xapi.lrs import jsonio

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_REQUIRED = ("exp", "iat")
_SUPPORTED_CRIT = {"b64"}
_PKCS1, _SHA256 = padding.PKCS1v15(), hashes.SHA256()


def _segment(text: str, name: str) -> bytes:
    """Decode one base64url segment; refuse bad padding, foreign characters, loose bits."""
    stripped = text.rstrip("=")
    pad = len(text) - len(stripped)
    if (
        pad > 2
        or (pad and len(text) % 4)
        or len(stripped) % 4 == 1
        or not _BASE64URL.fullmatch(stripped)
    ):
        raise DecodeError(f"Invalid {name} padding")
    try:
        decoded = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (TypeError, binascii.Error) as exc:
        raise DecodeError(f"Invalid {name} padding") from exc
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped.encode():
        raise DecodeError(f"Invalid {name} padding")
    return decoded


class UnreadableJson(DecodeError):
    """A header or payload that is JSON leadpath will not read (too deep, a lone surrogate)."""

    def __init__(self, part: str, reason: jsonio.Refused):
        super().__init__(f"Invalid {part} string: {reason}")
        self.part, self.reason = part, reason


def _json_object(raw: bytes, what: str) -> dict:
    try:
        value = jsonio.loads(raw)
    except jsonio.NotJson as exc:
        raise DecodeError(f"Invalid {what} string: {exc}") from exc
    except jsonio.Refused as exc:
        raise UnreadableJson(what, exc) from None
    if not isinstance(value, dict):
        raise DecodeError(f"Invalid {what} string: must be a json object")
    return value


def _check_header(header: dict) -> None:
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit:
            raise InvalidTokenError("Invalid 'crit' header: must be a non-empty list")
        for ext in crit:
            if not isinstance(ext, str):
                raise InvalidTokenError("Invalid 'crit' header: values must be strings")
            if ext not in _SUPPORTED_CRIT:
                raise InvalidTokenError(f"Unsupported critical extension: {ext}")
            if ext not in header:
                raise InvalidTokenError(f"Critical extension '{ext}' is missing from headers")
    if header.get("b64", True) is False:
        if "b64" not in (header.get("crit") or []):
            raise InvalidTokenError(
                "The 'b64' header parameter requires 'b64' to be listed in 'crit'."
            )
        raise DecodeError("A token with an unencoded (b64=false) payload is not accepted.")
    if header.get("alg") != "RS256":
        raise InvalidAlgorithmError("The specified alg value is not allowed")


def _int_claim(payload: dict, name: str, error: type[Exception], message: str) -> int:
    try:
        return int(payload[name])
    except (ValueError, TypeError, OverflowError):
        raise error(message) from None


def _check_claims(payload: dict, leeway: float) -> None:
    for claim in _REQUIRED:
        if payload.get(claim) is None:
            raise MissingRequiredClaimError(claim)
    now = time.time()
    iat = _int_claim(
        payload, "iat", InvalidIssuedAtError, "Issued At claim (iat) must be an integer."
    )
    if iat > now + leeway:
        raise ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in payload:
        nbf = _int_claim(payload, "nbf", DecodeError, "Not Before claim (nbf) must be an integer.")
        if nbf > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (nbf)")
    exp = _int_claim(payload, "exp", DecodeError, "Expiration Time claim (exp) must be an integer.")
    if exp <= now - leeway:
        raise ExpiredSignatureError("Signature has expired")
    if "sub" in payload and not isinstance(payload["sub"], str):
        raise InvalidSubjectError("Subject must be a string")
    if "jti" in payload and not isinstance(payload["jti"], str):
        raise InvalidJTIError("JWT ID must be a string")


def decode_rs256(token: str, key: RSAPublicKey, leeway: float) -> dict:
    """Return the verified claims of an RS256 JWT; raise the PyJWT error jwt.decode would."""
    if not isinstance(token, str):
        raise DecodeError("Invalid token type. Token must be a string")
    try:
        signing_input, signature_text = token.rsplit(".", 1)
        header_text, payload_text = signing_input.split(".", 1)
    except ValueError as exc:
        raise DecodeError("Not enough segments") from exc
    header = _json_object(_segment(header_text, "header"), "header")
    if header.get("b64", True) is False:  # an unencoded payload must travel detached
        if payload_text:
            raise DecodeError("Payload segment must be empty when 'b64' is false.")
        payload_raw = b""
    else:
        payload_raw = _segment(payload_text, "payload")
    signature = _segment(signature_text, "crypto")
    _check_header(header)
    if not isinstance(key, RSAPublicKey):
        raise InvalidKeyError("An RS256 id_token needs an RSA public key.")
    try:
        key.verify(signature, signing_input.encode(), _PKCS1, _SHA256)
    except InvalidSignature:
        raise InvalidSignatureError("Signature verification failed") from None
    payload = _json_object(payload_raw, "payload")
    _check_claims(payload, leeway)
    return payload
