"""Launch checks as a chain of small named functions; each failure is a LaunchError with a code.

Closes what pylti1p3 leaves open: the nonce is bound to the server-side state and used once,
every `aud` entry and `azp` are checked, `target_link_uri` must be ours, `exp`/`iat` allow a
configurable clock skew, and platform keys come from a cache with timeouts.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import jwt
from flask import Request
from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators

from lti_tool.lti import claims as c
from lti_tool.lti.claim_types import check_claim_types
from lti_tool.lti.errors import ADMIN_CHECK_REGISTRATION, LaunchError, platform_pending
from lti_tool.lti.jwks import PlatformKeyCache
from lti_tool.lti.login import STATE_COOKIE_PREFIX, is_our_url
from lti_tool.lti.registry import PlatformDirectory, PlatformInfo
from lti_tool.lti.state import PendingLogin
from lti_tool.settings import Settings
from xapi.lrs import jsonio


@dataclass(frozen=True)
class CheckedLaunch:
    """A launch whose id_token passed every check."""

    claims: dict
    platform: PlatformInfo
    login: PendingLogin
    # False for a platform-storage login whose state cookie did not come back: the launch
    # stands only once the platform's storage confirms it (lti/platform_storage.py).
    cookie_matched: bool = True

    @property
    def message_type(self) -> str:
        """Return the LTI message type."""
        return self.claims[c.MESSAGE_TYPE]


def _read_token(request: Request) -> tuple[str, str, dict]:
    state = request.form.get("state")
    token = request.form.get("id_token")
    if not state:
        raise LaunchError(
            "state_missing",
            "The launch carries no 'state'.",
            "The LMS must post back the state leadpath sent at login.",
        )
    if not token:
        raise LaunchError(
            "id_token_missing",
            "The launch carries no id_token.",
            "The LMS must post an 'id_token' form field to /lti/launch.",
        )
    header = _header(token)
    if header.get("alg") != "RS256":
        raise LaunchError(
            "alg_not_allowed",
            f"The id_token is signed with '{header.get('alg')}'; only RS256 is accepted.",
            "Configure the LMS to sign LTI messages with RS256.",
        )
    if not header.get("kid"):
        raise LaunchError(
            "kid_missing",
            "The id_token's header has no 'kid' naming its key.",
            "The LMS must name its signing key with 'kid' in the JWT header.",
        )
    if not isinstance(header["kid"], str):
        raise LaunchError(
            "kid_invalid",
            "The id_token's header names its key with something other than text ('kid').",
            "The LMS must name its signing key with a string 'kid' in the JWT header.",
        )
    return state, token, header


def _header(token: str) -> dict:
    """Decode only the JOSE header (the signature check parses the whole token once, later)."""
    segment, dot, rest = token.partition(".")
    if not dot or rest.count(".") != 1:
        raise _not_a_jwt()
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, TypeError):
        raise _not_a_jwt() from None
    try:
        header = jsonio.loads(raw)
    except jsonio.NotJson:
        raise _not_a_jwt() from None
    except jsonio.Refused as exc:
        raise _unreadable("header", exc) from None
    if not isinstance(header, dict):
        raise _not_a_jwt()
    return header


def _not_a_jwt() -> LaunchError:
    return LaunchError(
        "not_a_jwt",
        "The launch's id_token is not a valid JSON Web Token.",
        "The LMS must send an RS256-signed JWT as 'id_token'.",
    )


def _unreadable(part: str, reason: Exception) -> LaunchError:
    return LaunchError(
        "id_token_unreadable",
        f"The id_token's {part} {reason}, so leadpath cannot read it.",
        "The LMS must send an id_token of ordinary JSON claims.",
    )


def _check_state_cookie(request: Request, state: str, login: PendingLogin) -> bool:
    """Return True when the state cookie came back; False for a platform-storage login."""
    if request.cookies.get(STATE_COOKIE_PREFIX + state[:16]) == state:
        return True
    if not login.storage_target:
        raise LaunchError(
            "state_cookie_missing",
            "Your browser did not send back the cookie set when this launch began, so leadpath "
            "cannot tell the launch was started in this browser.",
            "Allow cookies for this site or open the activity in a new window, then try again.",
        )
    return False


def _check_audience(body: dict, client_id: str) -> None:
    aud = body.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise LaunchError(
            "aud_mismatch",
            f"The id_token is addressed to {aud!r}, not to client id {client_id}.",
            ADMIN_CHECK_REGISTRATION,
        )
    azp = body.get("azp")
    if len(audiences) > 1 and azp is None:
        raise LaunchError(
            "azp_missing",
            "The id_token has several audiences but no 'azp'.",
            "The LMS must set 'azp' to leadpath's client id.",
        )
    if azp is not None and azp != client_id:
        raise LaunchError(
            "azp_mismatch",
            f"The id_token's 'azp' is {azp!r}, not client id {client_id}.",
            ADMIN_CHECK_REGISTRATION,
        )


# PyJWT verifies the signature and the registered claims; `aud`, `iss`, `nonce` and the LTI
# claims are leadpath's own checks below, so each failure keeps its named code.
_DECODE_OPTIONS = {"require": ["exp", "iat"], "verify_aud": False}


def _check_payload_readable(token: str) -> None:
    """Refuse a payload of JSON leadpath will not read (too deep, a lone surrogate) by name.

    PyJWT's own JSON parsing would fail on it with a RecursionError or store the text as is.
    Other faults (not base64, not JSON) are left to PyJWT's verdict.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        jsonio.loads(raw)
    except (binascii.Error, ValueError) as exc:
        if isinstance(exc, jsonio.Refused) and not isinstance(exc, jsonio.NotJson):
            raise _unreadable("payload", exc) from None


def _verify_signature(token: str, key: jwt.PyJWK, leeway: int) -> dict:
    try:
        _check_payload_readable(token)
        return jwt.decode(token, key, algorithms=["RS256"], leeway=leeway, options=_DECODE_OPTIONS)
    except jwt.ExpiredSignatureError:
        code, detail = "token_expired", "The id_token has expired ('exp' is in the past)."
    except jwt.ImmatureSignatureError:
        code, detail = "iat_in_future", "The id_token was issued in the future ('iat')."
    except jwt.MissingRequiredClaimError as exc:
        code, detail = f"{exc.claim}_missing", f"The id_token has no '{exc.claim}' claim."
    except jwt.InvalidIssuedAtError:
        code, detail = "iat_invalid", "The id_token's 'iat' is not a time."
    except jwt.InvalidSignatureError:
        code, detail = "signature_invalid", "The id_token's signature does not match its key."
    except jwt.DecodeError:
        raise _not_a_jwt() from None
    except jwt.PyJWTError as exc:
        code, detail = "token_invalid", f"The id_token could not be verified: {exc}."
    raise LaunchError(
        code,
        detail,
        "Check the LMS server's clock and its signing keys; "
        f"leadpath allows {leeway} s of clock difference.",
    )


def _check_claims(body: dict, platform: PlatformInfo, login: PendingLogin, settings: Settings):
    if body.get("nonce") != login.nonce:
        raise LaunchError(
            "nonce_mismatch",
            "The id_token's nonce is not the one leadpath issued for this login.",
            "The LMS must copy the login's nonce into the id_token.",
        )
    if body.get(c.VERSION) != "1.3.0":
        raise LaunchError(
            "lti_version",
            f"The LTI version is {body.get(c.VERSION)!r}; leadpath needs '1.3.0'.",
            "Configure the tool as LTI 1.3 in the LMS.",
        )
    message_type = body.get(c.MESSAGE_TYPE)
    if not message_type:
        raise LaunchError(
            "message_type_missing",
            "The id_token has no LTI message type.",
            "The LMS must send the message_type claim.",
        )
    if message_type not in c.SUPPORTED_MESSAGE_TYPES:
        raise LaunchError(
            "message_type_unsupported",
            f"leadpath does not handle '{message_type}' messages.",
            "Use a resource link, deep linking or submission review launch.",
        )
    for_user = body.get(c.FOR_USER)
    if message_type == c.SUBMISSION_REVIEW_REQUEST and not (
        isinstance(for_user, dict) and for_user.get("user_id")
    ):
        raise LaunchError(
            "for_user_missing",
            "The submission review does not say whose submission to show ('for_user').",
            "The LMS must send the for_user claim with the learner's user_id.",
        )
    deployment_id = body.get(c.DEPLOYMENT_ID)
    if not deployment_id:
        raise LaunchError(
            "deployment_id_missing",
            "The id_token has no deployment id.",
            "The LMS must send the deployment_id claim.",
        )
    if deployment_id not in platform.deployment_ids:
        raise LaunchError(
            "deployment_unknown",
            f"Deployment id '{deployment_id}' is not registered for {platform.issuer}.",
            f"Add it with `leadpath platform add --issuer {platform.issuer} "
            f"--client-id {platform.client_id} --deployment-id {deployment_id}`.",
            status=403,
        )
    if not body.get("sub"):
        raise LaunchError(
            "sub_missing",
            "The id_token does not identify the user ('sub').",
            "Anonymous launches are not supported; the LMS must send 'sub'.",
        )
    if not isinstance(body.get(c.ROLES), list):
        raise LaunchError(
            "roles_missing",
            "The id_token has no roles claim.",
            "The LMS must send the roles claim (an empty list is allowed).",
        )
    if message_type in c.LINK_MESSAGE_TYPES and not (body.get(c.RESOURCE_LINK) or {}).get("id"):
        raise LaunchError(
            "resource_link_missing",
            "The launch has no resource link id.",
            "The LMS must send the resource_link claim with an id.",
        )
    target = body.get(c.TARGET_LINK_URI)
    if not is_our_url(settings, target) or (
        message_type == c.RESOURCE_LINK_REQUEST and target != login.target_link_uri
    ):
        raise LaunchError(
            "target_link_uri_foreign",
            f"The launch targets {target!r}, which is not the leadpath address "
            "this login was started for.",
            f"Set the tool URL in the LMS to {settings.url('/lti/launch')}.",
        )
    for validator in get_validators():
        if validator.can_validate(body):
            try:
                validator.validate(body)
            except LtiException as exc:
                raise LaunchError(
                    "message_invalid",
                    f"The LTI message is incomplete: {exc}.",
                    "Check the LMS sends every claim its message type requires.",
                ) from None


def check_launch(
    request: Request,
    *,
    settings: Settings,
    platforms: PlatformDirectory,
    store,
    keys: PlatformKeyCache,
) -> CheckedLaunch:
    """Run every check on a POST to /lti/launch and return the verified claims."""
    state, token, header = _read_token(request)
    login = store.peek(state)
    cookie_matched = _check_state_cookie(request, state, login)
    platform = platforms.lookup(login.issuer, login.client_id)
    if platform is None:
        raise LaunchError(
            "platform_unknown",
            f"Platform {login.issuer} is no longer registered with leadpath.",
            ADMIN_CHECK_REGISTRATION,
        )
    if platform.pending:
        raise platform_pending(platform.issuer, platform.client_id)
    key = keys.key_for(
        kid=header["kid"], key_set_url=platform.key_set_url, key_set=platform.key_set
    )
    body = _verify_signature(token, key, settings.clock_skew)
    check_claim_types(body)
    if body.get("iss") != login.issuer:
        raise LaunchError(
            "issuer_mismatch",
            f"The id_token comes from {body.get('iss')!r} but the login came from {login.issuer}.",
            ADMIN_CHECK_REGISTRATION,
        )
    _check_audience(body, login.client_id)
    deployment_id = body.get(c.DEPLOYMENT_ID)
    if deployment_id and deployment_id not in platform.deployment_ids:
        platform = platforms.with_deployment(login.issuer, login.client_id, deployment_id)
    _check_claims(body, platform, login, settings)
    return CheckedLaunch(claims=body, platform=platform, login=login, cookie_matched=cookie_matched)
