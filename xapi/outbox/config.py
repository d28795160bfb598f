"""Forwarder tuning and destination LRSs read from settings (`LEADPATH_LRS_<NAME>_…`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from xapi.queue import SenderConfig

ENV_PREFIX = "LEADPATH_"


class OutboxConfigError(ValueError):
    """A destination setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class DestinationConfig:
    """One destination LRS: where, which credentials, and which statements it wants."""

    name: str
    endpoint: str
    key: str
    secret: str
    platforms: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForwarderConfig(SenderConfig):
    """How the forwarder batches, times out, backs off and leases rows, and where it sends."""

    lanes: int = 2  # batches in flight at once per destination (order per learner still kept)
    about_seconds: float = 3600.0  # how long a destination's About (its xAPI version) is trusted
    destinations: tuple[DestinationConfig, ...] = field(default=())
    # The embedded LRS as a destination: None keeps what was decided before (on, unless an
    # operator removed it); True turns it on (again); False turns it off.
    embedded: bool | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> ForwarderConfig:
        """Read `forwarder_*` attributes and `LEADPATH_LRS_*` extras of leadpath settings."""
        values = cls.settings_values(settings, "forwarder_")
        values.pop("destinations", None)
        extra = getattr(settings, "extra", {}) or {}
        return cls(destinations=destinations_from_settings(extra), **values)


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def destinations_from_settings(extra: Mapping[str, str]) -> tuple[DestinationConfig, ...]:
    """Parse `lrs_<name>_endpoint|key|secret|platforms|courses` settings into destinations.

    A destination exists when its `_ENDPOINT` is set; its key and secret are then required.
    """
    found = []
    for setting, endpoint in sorted(extra.items()):
        if not (setting.startswith("lrs_") and setting.endswith("_endpoint")):
            continue
        name = setting[len("lrs_") : -len("_endpoint")]
        if not name:
            continue
        stem = f"lrs_{name}_"
        parts = urlsplit(endpoint.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise OutboxConfigError(
                f"{ENV_PREFIX}{setting.upper()} must be an http(s) URL of an xAPI endpoint, "
                f"such as https://lrs.example.ac.uk/xapi (got {endpoint!r})."
            )
        credentials = {}
        for part in ("key", "secret"):
            value = extra.get(stem + part, "")
            if not value:
                raise OutboxConfigError(
                    f"{ENV_PREFIX}{(stem + part).upper()} must be set: the LRS {name!r} "
                    f"needs an HTTP Basic {part}."
                )
            credentials[part] = value
        found.append(
            DestinationConfig(
                name=name,
                endpoint=endpoint.strip().rstrip("/"),
                platforms=_split(extra.get(stem + "platforms", "")),
                courses=_split(extra.get(stem + "courses", "")),
                **credentials,
            )
        )
    return tuple(found)
