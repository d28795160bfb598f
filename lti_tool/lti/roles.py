"""Map LIS role URIs onto leadpath's four roles: learner, instructor, mentor, administrator."""

from __future__ import annotations

from lti_tool.lti.claims import ROLE_SCOPE_MENTOR

LEARNER = "learner"
INSTRUCTOR = "instructor"
MENTOR = "mentor"
ADMINISTRATOR = "administrator"

_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

# The principal role name (after '#', and before any sub-role) decides the mapping.
_BY_NAME = {
    # context (membership) roles
    ("membership", "Learner"): LEARNER,
    ("membership", "Instructor"): INSTRUCTOR,
    ("membership", "ContentDeveloper"): INSTRUCTOR,
    ("membership", "Mentor"): MENTOR,
    ("membership", "Administrator"): ADMINISTRATOR,
    ("membership", "Manager"): INSTRUCTOR,
    # institution roles
    ("institution/person", "Student"): LEARNER,
    ("institution/person", "Learner"): LEARNER,
    ("institution/person", "Alumni"): LEARNER,
    ("institution/person", "Faculty"): INSTRUCTOR,
    ("institution/person", "Instructor"): INSTRUCTOR,
    ("institution/person", "Mentor"): MENTOR,
    ("institution/person", "Administrator"): ADMINISTRATOR,
    # system roles
    ("system/person", "Administrator"): ADMINISTRATOR,
    ("system/person", "SysAdmin"): ADMINISTRATOR,
}
# Sub-roles that change the meaning of their principal role.
_SUB_ROLES = {"TeachingAssistant": INSTRUCTOR, "Grader": INSTRUCTOR}
# Deprecated simple names some platforms still send (treated as context roles).
_SIMPLE = {
    "Learner": LEARNER,
    "Instructor": INSTRUCTOR,
    "Mentor": MENTOR,
    "Administrator": ADMINISTRATOR,
    "ContentDeveloper": INSTRUCTOR,
}


def map_role(uri: str) -> str | None:
    """Return leadpath's role for one LIS role URI, or None for a role we do not use."""
    if uri in _SIMPLE:
        return _SIMPLE[uri]
    if not uri.startswith(_LIS) or "#" not in uri:
        return None
    vocabulary, name = uri[len(_LIS) :].split("#", 1)
    principal, _, sub_role = name.partition("#")
    if vocabulary.startswith("membership/"):
        # e.g. membership/Instructor#TeachingAssistant
        principal, sub_role = vocabulary.split("/", 1)[1], name
        vocabulary = "membership"
    if sub_role in _SUB_ROLES:
        return _SUB_ROLES[sub_role]
    return _BY_NAME.get((vocabulary, principal))


def map_roles(uris: list[str]) -> list[str]:
    """Return the sorted, de-duplicated leadpath roles for a roles claim (may be empty)."""
    return sorted({role for uri in uris if (role := map_role(uri))})


def is_staff(roles: list[str]) -> bool:
    """Return True for roles that see the course page rather than the learner page."""
    return bool({INSTRUCTOR, ADMINISTRATOR} & set(roles))


def mentee_scope(roles: list[str], claims: dict) -> frozenset[str] | None:
    """Return the user ids a mentor may see, or None when the roles are not limited.

    A mentor (without an instructor's or administrator's role in the course) sees only the
    learners the launch's `role_scope_mentor` claim names, by their `sub` on the same platform;
    without that claim, no one.
    """
    if MENTOR not in roles or INSTRUCTOR in roles or ADMINISTRATOR in roles:
        return None
    named = claims.get(ROLE_SCOPE_MENTOR)
    if not isinstance(named, list):
        return frozenset()
    return frozenset(s for s in named if isinstance(s, str))
