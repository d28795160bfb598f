r"""Fast, exact JSON for statements: orjson where it is exact, the standard library otherwise.

orjson parses and writes statements several times faster than `json`, but it turns integers
beyond 64 bits into floats and refuses some text the standard library reads (lone surrogates,
numbers too large for a double). Those rare documents go through `json`, so what is stored is
always exactly what was sent. NaN and Infinity, which are not JSON, are refused either way.

What no database can store or no reader can walk is refused with a sentence saying why
(`Refused`): JSON nested more than `MAX_DEPTH` levels, and text holding a lone surrogate
(`\ud800` without its pair), which is not a Unicode character and cannot be written as UTF-8,
and text holding NUL (`\u0000`), which PostgreSQL's JSON cannot hold.

Part of the LRS, its only user, so that the LRS needs nothing else of `xapi`; the LTI launch
reads JWT headers with it too.
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
# Deeper than any statement, document or token has reason to be, and far below the depth at
# which Python's own JSON writer or a recursive reader would fail.
MAX_DEPTH = 64


class Refused(ValueError):
    """JSON text that is not JSON, or that leadpath will not store; the message says why."""


class NotJson(Refused):
    """Text that is not JSON at all."""


def _refuse_constant(name: str) -> Any:
    raise Refused(f"holds {name}, which is not a JSON value")


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Return True when arrays and objects nest more than `limit` levels (read level by level)."""
    level, depth = [value], 0
    while level:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            return False
        depth += 1
        if depth > limit:
            return True
        level = [c for v in containers for c in (v.values() if isinstance(v, dict) else v)]
    return False


def _check_text(value: Any) -> None:
    """Refuse lone surrogates, which only the standard library's parser lets through."""
    try:
        _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(
            "holds a lone surrogate (such as \\ud800), which is not a Unicode character"
        ) from None


def _holds_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(text: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text or UTF-8 bytes; raise `Refused` (a ValueError) saying what is wrong."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    value: Any = None
    parsed = False
    if _LONG_NUMBER not in data.translate(_DIGITS_AS_ZERO):
        try:
            value, parsed = orjson.loads(data), True
        except orjson.JSONDecodeError:
            pass
    if not parsed:
        try:
            value = json.loads(data, parse_constant=_refuse_constant)
        except RecursionError:
            raise Refused(f"is nested more than {max_depth} levels deep") from None
        except Refused:
            raise
        except (ValueError, UnicodeDecodeError):
            raise NotJson("is not valid JSON") from None
        _check_text(value)
    if too_deep(value, max_depth):
        raise Refused(f"is nested more than {max_depth} levels deep")
    if b"\\u0000" in data and _holds_nul(value):
        raise Refused("holds a NUL character (\\u0000), which cannot be stored")
    return value


def dumps(value: Any) -> str:
    """Return compact JSON text (UTF-8 characters kept, not escaped)."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _ENCODER.encode(value)
