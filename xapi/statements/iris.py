"""Stable IRIs for leadpath's activities and tool-scoped accounts.

Every IRI lives under the deployment's base URL so it can be resolved there.
LTI ids are opaque platform strings: they are percent-encoded into one path segment,
and the platform is named by a short hash of its issuer.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def _segment(value: str) -> str:
    return quote(value, safe="")


def _sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def platform_key(issuer: str) -> str:
    """The first 16 hex digits of SHA-256 of an LTI issuer."""
    return _sha256_hex(issuer)[:16]


def platform_iri(base_url: str, issuer: str) -> str:
    """``{base}/lti/platforms/{key}`` for the platform with this issuer."""
    return f"{_base(base_url)}/lti/platforms/{platform_key(issuer)}"


def course_iri(base_url: str, issuer: str, context_id: str) -> str:
    """The activity for an LTI context (course) on a platform."""
    return f"{platform_iri(base_url, issuer)}/contexts/{_segment(context_id)}"


def resource_link_iri(base_url: str, issuer: str, resource_link_id: str) -> str:
    """The activity for an LTI resource link on a platform."""
    return f"{platform_iri(base_url, issuer)}/resource-links/{_segment(resource_link_id)}"


def assessment_iri(base_url: str, issuer: str, resource_link_id: str) -> str:
    """The assessment delivered at an LTI resource link."""
    return f"{resource_link_iri(base_url, issuer, resource_link_id)}/assessment"


def question_iri(element_iri: str) -> str:
    """The rating item (question) about a framework element.

    Kept apart from the element IRI itself, which statements use as a competency,
    so that one activity id never carries two activity types.
    """
    return f"{element_iri.rstrip('/')}/question"


def profile_iri(base_url: str) -> str:
    """The leadpath xAPI profile, ``{base}/xapi/profile``."""
    return f"{_base(base_url)}/xapi/profile"


def account(base_url: str, name: str) -> dict[str, str]:
    """A tool-scoped xAPI account: ``{"homePage": base, "name": name}``."""
    return {"homePage": _base(base_url), "name": name}


def rater_account_name(invite_id: str) -> str:
    """The anonymised account name of a 360 rater: ``rater:`` + 16 hex of SHA-256."""
    return "rater:" + _sha256_hex(invite_id)[:16]


def linked_subject_hash(issuer: str, subject: str) -> str:
    """SHA-256 (hex) of an issuer, a newline and a platform user id (``sub``)."""
    return _sha256_hex(f"{issuer}\n{subject}")
