"""The leadpath xAPI Profile: its document, and checks of statements against it.

May import `xapi.statements` (whose vocabulary the profile describes) and `framework`; nothing of
`lti_tool`.
"""

from xapi.profile.checker import (
    check_against_template,
    check_extensions,
    follows_pattern,
    template_for,
)
from xapi.profile.document import PROFILE_VERSION, build_profile, version_iri

__all__ = [
    "PROFILE_VERSION",
    "build_profile",
    "check_against_template",
    "check_extensions",
    "follows_pattern",
    "template_for",
    "version_iri",
]
