"""The JSON type of every claim leadpath reads, checked before anything reads one.

A platform signs what it sends, but a signed `deployment_id` may still be a list, `custom` a
string or `name` an object. Such a launch is refused as one named check (`claim_type`) whose
sentence names the claim and the type it must have, never the value sent (values may be names
or email addresses, which stay out of pages and logs). Text that no database can store (a NUL
character, a lone surrogate) never gets this far: the token's JSON is read by `xapi.lrs.jsonio`.

Types follow LTI 1.3 Core, Deep Linking 2.0, AGS 2.0, NRPS 2.0 and OpenID Connect's standard
claims. Claims leadpath does not read may carry anything.
"""

from __future__ import annotations

from typing import Any

from lti_tool.lti import claims as c
from lti_tool.lti.errors import LaunchError

TEXT, TEXTS, FLAG = "text", "a list of text", "true or false"

_PROFILE = ("name", "given_name", "family_name", "middle_name", "email", "picture", "locale")
# claim -> the type it must have, or for an object: {member: type} of the members leadpath reads
TYPES: dict[str, Any] = {
    "iss": TEXT,
    "sub": TEXT,
    "nonce": TEXT,
    "azp": TEXT,
    "aud": (TEXT, TEXTS),
    **dict.fromkeys(_PROFILE, TEXT),
    c.MESSAGE_TYPE: TEXT,
    c.VERSION: TEXT,
    c.DEPLOYMENT_ID: TEXT,
    c.TARGET_LINK_URI: TEXT,
    c.ROLES: TEXTS,
    c.ROLE_SCOPE_MENTOR: TEXTS,
    c.RESOURCE_LINK: {"id": TEXT, "title": TEXT, "description": TEXT},
    c.CONTEXT: {"id": TEXT, "title": TEXT, "label": TEXT, "type": TEXTS},
    c.TOOL_PLATFORM: {
        "guid": TEXT,
        "name": TEXT,
        "product_family_code": TEXT,
        "version": TEXT,
        "contact_email": TEXT,
        "url": TEXT,
        "description": TEXT,
    },
    c.LAUNCH_PRESENTATION: {"document_target": TEXT, "return_url": TEXT, "locale": TEXT},
    c.FOR_USER: {"user_id": TEXT, "name": TEXT, "email": TEXT, "roles": TEXTS},
    c.LIS: {"person_sourcedid": TEXT, "course_section_sourcedid": TEXT},
    c.AGS_ENDPOINT: {"scope": TEXTS, "lineitems": TEXT, "lineitem": TEXT},
    c.NRPS: {"context_memberships_url": TEXT, "service_versions": TEXTS},
    c.DEEP_LINKING_SETTINGS: {
        "deep_link_return_url": TEXT,
        "accept_types": TEXTS,
        "accept_presentation_document_targets": TEXTS,
        "accept_media_types": TEXT,
        "accept_multiple": FLAG,
        "accept_lineitem": FLAG,
        "auto_create": FLAG,
        "title": TEXT,
        "text": TEXT,
        "data": TEXT,
    },
    c.CUSTOM: "custom",
}


def _has_type(value: Any, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == TEXTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == FLAG:
        return isinstance(value, bool)
    # custom parameters: an object of text values (LTI 1.3 Core 5.4.6)
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _refuse(claim: str, wanted: str) -> LaunchError:
    short = claim.rsplit("/", 1)[-1]
    return LaunchError(
        "claim_type",
        f"The id_token's '{short}' claim must be {wanted}; the LMS sent another JSON type.",
        f"The LMS must send '{claim}' as {wanted} (LTI 1.3); correct the tool's configuration "
        "or the custom parameters in the LMS.",
    )


def _describe(kind: Any) -> str:
    if kind == "custom":
        return "an object whose values are text"
    if isinstance(kind, dict):
        return "an object"
    if isinstance(kind, tuple):
        return " or ".join(kind)
    return kind


def check_claim_types(body: dict) -> None:
    """Raise LaunchError('claim_type') for the first claim read by leadpath of the wrong type."""
    for claim, kind in TYPES.items():
        if claim not in body or body[claim] is None:
            continue
        value = body[claim]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(kind, dict):
            if not isinstance(value, dict):
                raise _refuse(claim, "an object")
            for member, member_kind in kind.items():
                if value.get(member) is not None and not _has_type(value[member], member_kind):
                    raise _refuse(f"{claim}#{member}", member_kind)
        elif not any(_has_type(value, k) for k in kinds):
            raise _refuse(claim, _describe(kind))
