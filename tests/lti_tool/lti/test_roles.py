"""LIS role URIs map onto learner / instructor / mentor / administrator."""

import pytest

from lti_tool.lti.roles import map_role, map_roles

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    "uri, role",
    [
        (LIS + "membership#Learner", "learner"),
        (LIS + "membership#Instructor", "instructor"),
        (LIS + "membership/Instructor#TeachingAssistant", "instructor"),
        (LIS + "membership#Mentor", "mentor"),
        (LIS + "membership#Administrator", "administrator"),
        (LIS + "membership#ContentDeveloper", "instructor"),
        (LIS + "institution/person#Student", "learner"),
        (LIS + "institution/person#Faculty", "instructor"),
        (LIS + "institution/person#Mentor", "mentor"),
        (LIS + "system/person#Administrator", "administrator"),
        (LIS + "system/person#SysAdmin", "administrator"),
        ("Learner", "learner"),
        ("Instructor", "instructor"),
        (LIS + "membership#Member", None),
        ("http://example.test/roles#Wizard", None),
    ],
)
def test_lis_role_maps_to_leadpath_role(uri, role):
    assert map_role(uri) == role


def test_roles_claim_maps_to_sorted_unique_roles():
    assert map_roles(
        [
            LIS + "membership#Instructor",
            LIS + "institution/person#Faculty",
            LIS + "membership#Mentor",
        ]
    ) == ["instructor", "mentor"]
    assert map_roles([]) == []
