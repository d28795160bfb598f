"""Reading definition files and checking them against the bundled JSON Schemas.

Frameworks, crosswalks and career phases are all read the same way: text is
parsed as JSON or YAML, validated against ``schema/<name>.schema.json`` and
any problem is raised as ``FrameworkFileError`` naming the file, the JSON path
and the problem in plain language.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import FrameworkFileError

SCHEMA_DIR = Path(__file__).parent / "schema"
YAML_SUFFIXES = (".yaml", ".yml")
HASH_PREFIX = "sha256:"


def json_path(parts: Iterable[Any]) -> str:
    """Format path parts as ``domains[1].elements[2].id``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_text(text: str, source: str, fmt: str | None = None) -> Any:
    """Parse JSON or YAML text; the format comes from ``fmt`` or the file name.

    Without either, text starting with ``{`` is read as JSON, anything else as
    YAML.
    """
    text = text.removeprefix("\ufeff")
    if fmt is None:
        if source.lower().endswith(YAML_SUFFIXES):
            fmt = "yaml"
        elif source.lower().endswith(".json") or text.lstrip().startswith("{"):
            fmt = "json"
        else:
            fmt = "yaml"
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            raise FrameworkFileError(source, "", problem, line=exc.lineno) from None
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}; use 'json' or 'yaml'")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" at line {line}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise FrameworkFileError(
            source, "", f"malformed YAML{where}: {reason}", line=line
        ) from None


def read_file(path: str | Path) -> tuple[str, str]:
    """Read a definition file; return its text and the name used in messages."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8"), path.name
    except OSError as exc:
        raise FrameworkFileError(path.name, "", f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise FrameworkFileError(path.name, "", "is not UTF-8 text") from None


def content_hash(document: Any) -> str:
    """Hash of a parsed document in canonical JSON, e.g. ``"sha256:3f1c…"``.

    Layout, key order and JSON-vs-YAML do not change it; any change of content
    does. A top-level ``$schema`` key is ignored.
    """
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k != "$schema"}
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return HASH_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@cache
def schema(name: str) -> dict:
    """A bundled JSON Schema by file stem, e.g. ``"framework"``."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


def validate(document: Any, schema_name: str, source: str) -> None:
    """Validate against a bundled schema; raise the most relevant problem."""
    errors = list(_validator(schema_name).iter_errors(document))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    raise FrameworkFileError(source, json_path(error.absolute_path), describe(error))


def describe(error: jsonschema.ValidationError) -> str:
    """Turn a schema validation error into a plain-language problem."""
    kind, value, inst = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [k for k in value if isinstance(inst, dict) and k not in inst]
        return f"missing required field {missing[0]!r}" if missing else error.message
    if kind == "additionalProperties" and isinstance(inst, dict):
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in inst if k not in allowed)
        return f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
    if kind == "pattern":
        return (
            f"{_short(inst)} is not a valid id (use lowercase letters, digits and single hyphens)"
        )
    if kind == "type":
        return f"{_short(inst)} should be of type {_types(value)}"
    if kind == "minItems":
        return "must not be empty" if not inst else f"needs at least {value} items"
    if kind == "minLength":
        return "must not be empty"
    if kind == "const":
        return f"must be {value!r}, not {inst!r}"
    if kind == "enum":
        return f"{_short(inst)} is not one of {', '.join(repr(v) for v in value)}"
    if (
        kind == "oneOf"
        and isinstance(inst, dict)
        and "stages" in error.schema.get("properties", {})
    ):
        return "must contain exactly one of 'stages' or 'levels'"
    if kind == "oneOf" and not isinstance(inst, dict):
        return f"{_short(inst)} is neither a stage number nor a level id"
    return error.message


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _types(value: str | Sequence[str]) -> str:
    names = {
        "object": "object",
        "array": "list",
        "string": "text",
        "integer": "whole number",
        "boolean": "true or false",
    }
    if isinstance(value, str):
        return names.get(value, value)
    return " or ".join(names.get(v, v) for v in value)
