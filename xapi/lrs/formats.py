"""Checks of xAPI's special data types: IRIs, UUIDs, timestamps, durations, language tags."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
_LANG = re.compile(r"^(?:[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|[xX](?:-[A-Za-z0-9]{1,8})+)$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)$"
)
# RFC 3339 (xAPI 2.0) also allows a lower-case t or z, and a space between date and time.
_TIMESTAMP_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"([Zz]|[+-]\d{2}(?::?\d{2})?)$"
)
_UTC_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
    rf"|^P{_NUM}W$"
)
_SECONDS = re.compile(r"(\d+)(?:[.,](\d*))?S$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{56,128}$")
_MEDIA_TYPE = re.compile(r"^[\w.+\-!#$&^]+/[\w.+\-!#$&^]+(?:\s*;.*)?$")
_VERSION = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")


def is_iri(value: object) -> bool:
    """Return True for an absolute IRI (a scheme, a colon and no whitespace)."""
    return isinstance(value, str) and bool(_IRI.match(value))


def is_uuid(value: object) -> bool:
    """Return True for an RFC 4122 UUID in its hyphenated form."""
    return isinstance(value, str) and bool(_UUID.match(value))


def is_language_tag(value: object) -> bool:
    """Return True for an RFC 5646 language tag (structure only)."""
    return isinstance(value, str) and bool(_LANG.match(value))


def is_duration(value: object) -> bool:
    """Return True for an ISO 8601 duration such as PT1H30M or P2W."""
    return isinstance(value, str) and bool(_DURATION.match(value))


def is_mailto(value: object) -> bool:
    """Return True for a mailto: IRI holding one address."""
    return isinstance(value, str) and bool(_MAILTO.match(value))


def is_sha1(value: object) -> bool:
    """Return True for a hex SHA-1 digest."""
    return isinstance(value, str) and bool(_SHA1.match(value))


def is_sha2(value: object) -> bool:
    """Return True for a hex SHA-2 digest (224 to 512 bits)."""
    return isinstance(value, str) and bool(_SHA2.match(value))


def is_media_type(value: object) -> bool:
    """Return True for an Internet media type such as text/plain; charset=utf-8."""
    return isinstance(value, str) and bool(_MEDIA_TYPE.match(value))


def is_version(value: object) -> bool:
    """Return True for an xAPI version this LRS accepts (1.0.x, 2.0.x)."""
    return isinstance(value, str) and bool(_VERSION.match(value))


def duration_hundredths(value: str) -> str:
    """Return a duration with its seconds cut to hundredths (`PT0.1237S` → `PT0.12S`).

    `PT1S`, `PT1.0S` and `PT1.009S` all give `PT1.00S`, so they compare equal.
    """
    m = _SECONDS.search(value)
    if m is None:
        return value
    whole, fraction = m.groups()
    return f"{value[: m.start()]}{whole}.{(fraction or '')[:2].ljust(2, '0')}S"


_ZONES: dict[str, timezone] = {"Z": UTC, "+00:00": UTC, "+0000": UTC, "+00": UTC}


def parse_timestamp(value: object, *, rfc3339: bool = False) -> datetime | None:
    """Return the aware datetime of an ISO 8601 timestamp with a zone, or None if malformed.

    With `rfc3339` (xAPI 2.0) the RFC 3339 spellings are accepted too: `t`, `z`, a space.
    """
    if not isinstance(value, str):
        return None
    m = (_TIMESTAMP_RFC3339 if rfc3339 else _TIMESTAMP).match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    if zone == "-00" or zone in {"-00:00", "-0000"}:
        return None
    zone = "Z" if zone == "z" else zone
    tz = _ZONES.get(zone)
    if tz is None:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        if len(_ZONES) < 256:
            _ZONES[zone] = tz
    micro = int((frac or "0").replace(",", "")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
        moment.astimezone(UTC)  # 0001-01-01T00:00+01:00 is before the first UTC moment
    except (ValueError, OverflowError):
        return None
    return moment


def whole_number(text: str, digits: int = 18) -> int | None:
    """Return the value of a whole number written in ASCII digits (at most `digits`), or None.

    `str.isdigit` also accepts superscripts and other scripts' digits, which `int` refuses or
    reads: a parameter is a number only in the digits 0 to 9.
    """
    if 0 < len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def to_micros(moment: datetime) -> int:
    """Return microseconds since the Unix epoch."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def format_micros(micros: int) -> str:
    """Return the xAPI timestamp (UTC, microseconds, Z) of microseconds since the epoch."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_micros() -> int:
    """Return the current time in microseconds since the epoch."""
    return to_micros(datetime.now(UTC))


def in_utc(value: str) -> str:
    """Return a valid timestamp written in UTC (`…Z`), its fraction of a second kept as sent.

    xAPI 2.0 (4.2.7) has the LRS convert timestamps to UTC; 1.0.3 (Data 4.5) recommends
    returning them in UTC. A timestamp already in that form is returned as it is.
    """
    if _UTC_FORM.match(value):
        return value
    m = _TIMESTAMP_RFC3339.match(value)
    moment = parse_timestamp(value, rfc3339=True)
    if m is None or moment is None:
        return value
    frac = m.group(7)
    whole = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{frac}Z" if frac else f"{whole}Z"
