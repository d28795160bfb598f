"""Framework versions: id + version label + content hash.

An institution may import a new edition of a framework (new wording, extra
indicators). Attempts record the ``FrameworkVersion`` they were taken under, so
a past attempt keeps being read against the exact content it used. The hash is
taken over the parsed document in canonical JSON form, so re-indenting a file,
reordering keys or converting it between JSON and YAML does not change it;
any change of content does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Framework

HASH_PREFIX = "sha256:"


def content_hash(document: Any) -> str:
    """Hash of a parsed framework document, e.g. ``"sha256:3f1c…"``.

    A top-level ``$schema`` key is ignored: it does not change the content.
    """
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k != "$schema"}
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return HASH_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class VersionConflictError(ValueError):
    """The same id and version label were registered with different content."""


@dataclass(frozen=True, order=True)
class FrameworkVersion:
    """Which exact framework content something was recorded under."""

    id: str
    version: str
    content_hash: str

    @classmethod
    def of(cls, framework: Framework) -> FrameworkVersion:
        """The version of a loaded framework."""
        return cls(framework.id, framework.version, framework.content_hash)

    @property
    def short_hash(self) -> str:
        """First 12 hex digits of the hash, for display."""
        return self.content_hash.removeprefix(HASH_PREFIX)[:12]


class FrameworkRegistry:
    """In-memory set of framework versions, keyed by id and content hash.

    The web layer persists the imported text and re-registers it at start-up;
    this class only decides identity and conflicts.
    """

    def __init__(self) -> None:
        """Create an empty registry."""
        self._by_hash: dict[tuple[str, str], Framework] = {}
        self._order: dict[str, list[FrameworkVersion]] = {}

    def register(self, framework: Framework) -> FrameworkVersion:
        """Add a framework; return its version (idempotent for equal content).

        Raises ``VersionConflictError`` if the id and version label are already
        registered with different content: edited content needs a new label.
        """
        version = FrameworkVersion.of(framework)
        key = (framework.id, framework.content_hash)
        if key in self._by_hash:
            return version
        for known in self._order.get(framework.id, []):
            if known.version == framework.version:
                raise VersionConflictError(
                    f"framework {framework.id!r} version {framework.version!r} is already "
                    f"registered with different content; give the new edition a new version"
                )
        self._by_hash[key] = framework
        self._order.setdefault(framework.id, []).append(version)
        return version

    def get(self, framework_id: str, content_hash: str | None = None) -> Framework:
        """A registered framework: the given content, or the latest registered."""
        if content_hash is None:
            versions = self._order.get(framework_id)
            if not versions:
                raise KeyError(f"no framework {framework_id!r} is registered")
            content_hash = versions[-1].content_hash
        try:
            return self._by_hash[(framework_id, content_hash)]
        except KeyError:
            raise KeyError(f"framework {framework_id!r} has no version {content_hash}") from None

    def versions(self, framework_id: str) -> list[FrameworkVersion]:
        """Registered versions of a framework, oldest first."""
        return list(self._order.get(framework_id, []))

    def latest(self) -> dict[str, Framework]:
        """The latest registered framework for each id."""
        return {fid: self.get(fid) for fid in self._order}
