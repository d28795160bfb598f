"""Which xAPI version to send a destination, and statements written to fit it.

xAPI 2.0.0 (IEEE 9274.1.1-2023) is preferred when the LRS's About resource offers it, else
1.0.3. leadpath's own statements are valid in both versions as built (`tests/xapi/statements`
checks them against the embedded LRS's validator for each); the one property that ties a
statement to a version, `version`, is set by the LRS, not by the sender (xAPI 1.0.3 Data
2.4.10; 2.0 Part Two 2.4.10), so a statement queued with one is sent without it.
"""

from __future__ import annotations

import json

XAPI_1 = "1.0.3"
XAPI_2 = "2.0.0"


def pick_version(offered) -> str | None:
    """Return the version to send in from About's `version` list, or None when it names none."""
    if not isinstance(offered, list):
        return None
    versions = [str(version) for version in offered]
    if any(version.startswith("2.0.") for version in versions):
        return XAPI_2
    if any(version.startswith("1.0.") for version in versions):
        return XAPI_1
    return None


def fit_statement(body: str) -> str:
    """Return a statement's JSON text as it may be sent in either version (without `version`)."""
    if '"version"' not in body:
        return body
    statement = json.loads(body)
    if not isinstance(statement, dict) or "version" not in statement:
        return body
    statement.pop("version")
    return json.dumps(statement, separators=(",", ":"))
