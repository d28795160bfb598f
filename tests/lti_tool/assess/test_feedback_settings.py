"""The 360 threshold and exempt groups are settings with clear errors."""

import pytest

from lti_tool.settings import SettingsError, load_settings


def test_defaults_show_a_group_from_three_raters_and_the_line_manager_alone():
    settings = load_settings({})
    assert settings.feedback_min_raters == 3
    assert settings.feedback_exempt_groups == ("line-manager",)


def test_exempt_groups_are_read_as_a_comma_separated_list_and_may_be_empty():
    env = {"LEADPATH_FEEDBACK_EXEMPT_GROUPS": " line-manager, direct-report ,"}
    assert load_settings(env).feedback_exempt_groups == ("line-manager", "direct-report")
    assert load_settings({"LEADPATH_FEEDBACK_EXEMPT_GROUPS": ""}).feedback_exempt_groups == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEADPATH_FEEDBACK_MIN_RATERS", "0"),
        ("LEADPATH_FEEDBACK_MIN_RATERS", "three"),
        ("LEADPATH_FEEDBACK_EXEMPT_GROUPS", "line-manager,boss"),
    ],
)
def test_a_bad_value_names_the_variable(name, value):
    with pytest.raises(SettingsError) as error:
        load_settings({name: value})
    assert name in str(error.value)
