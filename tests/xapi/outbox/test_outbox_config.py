"""Destinations and forwarder tuning from settings; bad values name the variable."""

from __future__ import annotations

import pytest

from lti_tool.settings import SettingsError, load_settings
from xapi.outbox import ForwarderConfig, OutboxConfigError
from xapi.outbox.client import Verdict, verdict_for
from xapi.outbox.config import destinations_from_settings
from xapi.queue import parse_retry_after


def test_destinations_are_read_from_lrs_settings():
    settings = load_settings(
        {
            "LEADPATH_LRS_UNI_ENDPOINT": "https://lrs.uni.example/xapi/",
            "LEADPATH_LRS_UNI_KEY": "k",
            "LEADPATH_LRS_UNI_SECRET": "s",
            "LEADPATH_LRS_DEANERY_ENDPOINT": "https://lrs.deanery.example/xapi",
            "LEADPATH_LRS_DEANERY_KEY": "k2",
            "LEADPATH_LRS_DEANERY_SECRET": "s2",
            "LEADPATH_LRS_DEANERY_PLATFORMS": "https://moodle.a, https://canvas.b",
            "LEADPATH_LRS_DEANERY_COURSES": "c1",
            "LEADPATH_FORWARDER_BATCH_SIZE": "50",
        }
    )
    config = ForwarderConfig.from_settings(settings)
    assert config.batch_size == 50
    by_name = {d.name: d for d in config.destinations}
    assert by_name["uni"].endpoint == "https://lrs.uni.example/xapi"
    assert by_name["deanery"].platforms == ("https://moodle.a", "https://canvas.b")
    assert by_name["deanery"].courses == ("c1",)
    assert by_name["uni"].platforms == ()


def test_a_destination_without_a_secret_names_the_missing_variable():
    with pytest.raises(OutboxConfigError, match="LEADPATH_LRS_UNI_SECRET"):
        destinations_from_settings({"lrs_uni_endpoint": "https://lrs.example", "lrs_uni_key": "k"})


def test_a_bad_endpoint_names_the_variable():
    with pytest.raises(OutboxConfigError, match="LEADPATH_LRS_UNI_ENDPOINT"):
        destinations_from_settings({"lrs_uni_endpoint": "lrs.example"})


@pytest.mark.parametrize("raw, wanted", [(None, None), ("false", False), ("true", True)])
def test_the_embedded_lrs_setting_is_unset_on_or_off(raw, wanted):
    environ = {} if raw is None else {"LEADPATH_FORWARDER_EMBEDDED": raw}
    assert ForwarderConfig.from_settings(load_settings(environ)).embedded is wanted


def test_a_bad_embedded_lrs_setting_names_the_variable():
    with pytest.raises(SettingsError, match="LEADPATH_FORWARDER_EMBEDDED must be true or false"):
        load_settings({"LEADPATH_FORWARDER_EMBEDDED": "sometimes"})


def test_a_bad_forwarder_setting_names_the_variable():
    with pytest.raises(SettingsError, match="LEADPATH_FORWARDER_BATCH_SIZE"):
        load_settings({"LEADPATH_FORWARDER_BATCH_SIZE": "0"})


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.STORED),
        (204, Verdict.STORED),
        (409, Verdict.CONFLICT),
        (400, Verdict.REJECTED),
        (401, Verdict.UNAUTHORIZED),
        (403, Verdict.UNAUTHORIZED),
        (429, Verdict.THROTTLED),
        (503, Verdict.THROTTLED),
        (500, Verdict.TRANSIENT),
        (502, Verdict.TRANSIENT),
    ],
)
def test_statuses_map_to_verdicts(status, verdict):
    assert verdict_for(status) is verdict
