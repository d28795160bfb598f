import pytest

from xapi.lrs import formats


@pytest.mark.parametrize(
    "value", ["https://example.org/a", "urn:uuid:1", "mailto:a@b.c", "http://example.org/é"]
)
def test_absolute_iris_are_accepted(value):
    assert formats.is_iri(value)


@pytest.mark.parametrize(
    "value", ["", "example.org", "not an iri", "http://a b", 5, None, "1http://x"]
)
def test_relative_or_spaced_iris_are_refused(value):
    assert not formats.is_iri(value)


def test_uuids_must_be_rfc4122():
    assert formats.is_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c3301")
    assert formats.is_uuid("3F2504E0-4F89-41D3-9A0C-0305E82C3301")
    assert not formats.is_uuid("3f2504e04f8941d39a0c0305e82c3301")
    assert not formats.is_uuid("3f2504e0-4f89-41d3-ca0c-0305e82c3301")


@pytest.mark.parametrize("value", ["PT1H30M", "P1Y2M3DT4H5M6.7S", "P2W", "PT0S", "P1D"])
def test_iso8601_durations_are_accepted(value):
    assert formats.is_duration(value)


@pytest.mark.parametrize("value", ["P", "PT", "1H", "P1H", "PT1D", "P1W2D", "PTS"])
def test_malformed_durations_are_refused(value):
    assert not formats.is_duration(value)


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00.123+01:00",
        "2024-05-01T12:00:00.123456789-0500",
        "2024-05-01T12:00:00+01",
    ],
)
def test_timestamps_with_a_zone_parse(value):
    assert formats.parse_timestamp(value) is not None


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T12:00:00",
        "2024-05-01",
        "2024-13-01T00:00:00Z",
        "2024-05-01T12:00:00-00:00",
        "yesterday",
        5,
    ],
)
def test_timestamps_without_zone_or_invalid_are_refused(value):
    assert formats.parse_timestamp(value) is None


def test_micros_round_trip_through_the_stored_format():
    micros = formats.to_micros(formats.parse_timestamp("2024-05-01T12:00:00.123456+02:00"))
    assert formats.format_micros(micros) == "2024-05-01T10:00:00.123456Z"


@pytest.mark.parametrize(
    "tag,ok",
    [
        ("en", True),
        ("en-GB", True),
        ("zh-Hant-TW", True),
        ("x-private", True),
        ("en_GB", False),
        ("", False),
        ("english language", False),
    ],
)
def test_language_tags(tag, ok):
    assert formats.is_language_tag(tag) is ok


def test_versions_accepted_are_1_0_x_and_2_0_x():
    assert formats.is_version("1.0.3") and formats.is_version("1.0") and formats.is_version("2.0.0")
    assert not formats.is_version("0.95") and not formats.is_version("1.1.0")
