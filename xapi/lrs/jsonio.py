"""Fast, exact JSON for statements: orjson where it is exact, the standard library otherwise.

orjson parses and writes statements several times faster than `json`, but it turns integers
beyond 64 bits into floats and refuses some text the standard library reads (lone surrogates,
numbers too large for a double). Those rare documents go through `json`, so what is stored is
always exactly what was sent. NaN and Infinity, which are not JSON, are refused either way.

Part of the LRS, its only user, so that the LRS needs nothing else of `xapi`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Digits all read as "0", so 19 zeros in a row mark a number that may not fit in 64 bits
# (a translate and a substring search cost far less than a regular expression here).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: bytes | str) -> Any:
    """Parse JSON text or UTF-8 bytes; raise ValueError when it is not JSON."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_NUMBER not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_constant=_refuse_constant)


def dumps(value: Any) -> str:
    """Return compact JSON text (UTF-8 characters kept, not escaped)."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _ENCODER.encode(value)
