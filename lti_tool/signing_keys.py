"""The tool's RSA key pairs and their rotation schedule, read live by every process.

Each key is `keys/tool-NNNN.pem` (mode 0600) with `tool-NNNN.json` beside it: its key id, when
it was published, when leadpath starts signing with it (`signs_from`) and when it leaves the
JWKS (`retired_at`). `leadpath keys rotate` writes a new key whose `signs_from` lies a grace
period ahead (LEADPATH_KEY_GRACE_SECONDS), so platforms that cache leadpath's JWKS see it before
it signs anything, and gives the keys it replaces a `retired_at` a while after that
(LEADPATH_KEY_RETIRE_SECONDS); `leadpath keys retire` retires them at once. Every time is decided
when the schedule is written and kept beside the keys, so every process reading the directory —
each gunicorn worker, the grade sender, `leadpath forwarder`, and other machines sharing it —
agrees on the signing key and the published keys at any moment. Each re-reads the directory at
most every LEADPATH_KEY_RELOAD_SECONDS and keeps loaded keys (loading one costs ~45 ms).
A key file without a schedule (made before schedules existed) signs from the start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from jwt.algorithms import RSAAlgorithm

from lti_tool.db import private_dir
from lti_tool.models import utcnow

EXTENSION_KEY = "leadpath.keys"
log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class KeyPair:
    """A loaded RSA key pair with its key id and public JWK."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict

    @property
    def private_pem(self) -> str:
        """Return the private key as PEM text (for libraries that want PEM)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


@dataclass(frozen=True)
class KeySchedule:
    """When one tool key is published, signs and leaves the JWKS (None: no such moment)."""

    name: str
    kid: str
    created_at: datetime
    signs_from: datetime | None
    retired_at: datetime | None

    def signing_order(self) -> str:
        """Return the sort key of keys in the order they were made (newer keys replace older).

        A key made later replaces every older one once it starts signing, even one still
        waiting for its own start (as after `leadpath keys rotate --now`).
        """
        return self.name

    def retired(self, now: datetime) -> bool:
        """Return True once the key has left the JWKS."""
        return self.retired_at is not None and self.retired_at <= now

    def as_json(self) -> dict:
        """Return the schedule as written beside the key (times in ISO 8601)."""
        values = asdict(self)
        for name in ("created_at", "signs_from", "retired_at"):
            values[name] = values[name].isoformat() if values[name] else None
        return values


def _thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 thumbprint of an RSA JWK, used as its key id."""
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_private_file(path: Path, data: bytes) -> bool:
    """Write a mode-0600 file atomically unless it exists; False if another process won.

    Its directory is made 0700 (the data directory, or its keys directory).
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)  # atomic, and fails if the file already exists
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _replace_file(path: Path, data: bytes) -> None:
    """Write a mode-0600 file atomically, replacing what was there (readers see old or new)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def ensure_private_key(path: Path) -> bool:
    """Create a 2048-bit RSA private key at path (mode 0600) unless one exists; True if created."""
    if path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if not write_private_file(path, pem):
        return False
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.with_suffix(".pub.pem").write_bytes(public)
    return True


def load_key_pair(path: Path) -> KeyPair:
    """Load a private key file and derive its public JWK and key id."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return KeyPair(kid=kid, private_key=key, public_jwk=jwk)


def _private_files(keys_dir: Path) -> list[Path]:
    return sorted(f for f in keys_dir.glob("tool-*.pem") if not f.name.endswith(".pub.pem"))


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def read_schedules(keys_dir: Path) -> list[KeySchedule]:
    """Return every tool key's schedule, oldest file first (retired keys included)."""
    found: dict[str, KeySchedule] = {}
    for path in sorted(keys_dir.glob("tool-*.json")):
        values = json.loads(path.read_text())
        found[path.stem] = KeySchedule(
            name=path.stem,
            kid=values["kid"],
            created_at=_parse_time(values["created_at"]),
            signs_from=_parse_time(values.get("signs_from")),
            retired_at=_parse_time(values.get("retired_at")),
        )
    for path in _private_files(keys_dir):
        if path.stem not in found:  # a key made before schedules: signing from the start
            created = datetime.fromtimestamp(path.stat().st_mtime, tz=utcnow().tzinfo)
            kid = load_key_pair(path).kid
            found[path.stem] = KeySchedule(path.stem, kid, created, None, None)
    return [found[name] for name in sorted(found)]


def write_schedule(keys_dir: Path, schedule: KeySchedule) -> None:
    """Write one key's schedule beside it."""
    data = json.dumps(schedule.as_json(), indent=2).encode()
    _replace_file(keys_dir / f"{schedule.name}.json", data)


def signing_key(schedules: list[KeySchedule], now: datetime) -> KeySchedule | None:
    """Return the key that signs at `now`: the newest that has started signing, not retired."""
    started = [
        s for s in schedules if not s.retired(now) and (s.signs_from is None or s.signs_from <= now)
    ]
    return max(started, key=KeySchedule.signing_order, default=None)


class ToolKeys:
    """The tool's signing key and published keys, following the schedule on disk."""

    def __init__(self, keys_dir: Path, reload_seconds: float = 30.0):
        self.keys_dir = keys_dir
        self.reload_seconds = reload_seconds
        self._pairs: dict[Path, tuple[float, KeyPair]] = {}  # by file, with its mtime
        self._lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        """Read the keys directory now: schedules, and any key file not loaded yet."""
        schedules = read_schedules(self.keys_dir)
        if not any(p.exists() for p in _private_files(self.keys_dir)):
            raise FileNotFoundError(f"no tool key in {self.keys_dir}; run `leadpath keys ensure`")
        pairs = {}
        for schedule in schedules:
            path = self.keys_dir / f"{schedule.name}.pem"
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:
                continue  # retired and deleted, or not copied to this machine yet
            cached = self._pairs.get(path)
            pairs[path] = cached if cached and cached[0] == mtime else (mtime, load_key_pair(path))
        with self._lock:
            self._schedules = schedules
            self._pairs = pairs
            self._read_at = time.monotonic()

    def _current(self) -> tuple[list[KeySchedule], dict[str, KeyPair]]:
        if time.monotonic() - self._read_at >= self.reload_seconds:
            try:
                self.reload()
            except (OSError, ValueError) as exc:  # keep the last good reading
                log.warning("Could not re-read the tool keys in %s: %s", self.keys_dir, exc)
                self._read_at = time.monotonic()
        with self._lock:
            by_kid = {pair.kid: pair for _mtime, pair in self._pairs.values()}
            return self._schedules, by_kid

    @property
    def active(self) -> KeyPair:
        """Return the key to sign with now (the schedule's, if this machine holds it)."""
        now = utcnow()
        schedules, pairs = self._current()
        chosen = signing_key(schedules, now)
        if chosen is not None and chosen.kid in pairs:
            return pairs[chosen.kid]
        usable = [s for s in schedules if s.kid in pairs and not s.retired(now)]
        usable = [s for s in usable if s.signs_from is None or s.signs_from <= now] or usable
        if not usable:
            raise FileNotFoundError(f"no usable tool key in {self.keys_dir}")
        fallback = max(usable, key=KeySchedule.signing_order)
        missing = chosen.kid if chosen else None
        log.warning("Tool key %s is missing here; signing with %s", missing, fallback.kid)
        return pairs[fallback.kid]

    def jwks(self) -> dict:
        """Return the public JWKS: every key not retired, newest first (public parts only)."""
        now = utcnow()
        schedules, pairs = self._current()
        published = [s for s in reversed(schedules) if not s.retired(now) and s.kid in pairs]
        return {"keys": [pairs[s.kid].public_jwk for s in published]}


def ensure_tool_key(keys_dir: Path) -> bool:
    """Create the first tool key pair, signing at once, if there is none; True if created.

    Keys made before schedules existed get theirs written now (signing from the start).
    """
    private_dir(keys_dir.parent)
    private_dir(keys_dir)
    if _private_files(keys_dir) or list(keys_dir.glob("tool-*.json")):
        for schedule in read_schedules(keys_dir):
            if not (keys_dir / f"{schedule.name}.json").exists():
                write_schedule(keys_dir, schedule)
        return False
    path = keys_dir / "tool-0001.pem"
    if not ensure_private_key(path):
        return False
    now = utcnow()
    write_schedule(keys_dir, KeySchedule(path.stem, load_key_pair(path).kid, now, now, None))
    return True


def rotate_tool_key(
    keys_dir: Path, grace_seconds: int, retire_seconds: int, now: datetime | None = None
) -> tuple[KeySchedule, list[KeySchedule]]:
    """Publish a new key that signs after `grace_seconds`; schedule the keys it replaces.

    Each key not yet retired leaves the JWKS `retire_seconds` after the new key starts
    signing (or earlier, if it was already due to). Returns the new key and the replaced keys.
    """
    ensure_tool_key(keys_dir)
    now = now or utcnow()
    schedules = read_schedules(keys_dir)
    number = max(int(s.name.split("-")[1]) for s in schedules) + 1
    path = keys_dir / f"tool-{number:04d}.pem"
    ensure_private_key(path)
    signs_from = now + timedelta(seconds=grace_seconds)
    new = KeySchedule(path.stem, load_key_pair(path).kid, now, signs_from, None)
    retire_at = signs_from + timedelta(seconds=retire_seconds)
    replaced = []
    for old in schedules:
        if old.retired(now):
            continue
        due = min(old.retired_at, retire_at) if old.retired_at else retire_at
        old = KeySchedule(old.name, old.kid, old.created_at, old.signs_from, due)
        write_schedule(keys_dir, old)
        replaced.append(old)
    write_schedule(keys_dir, new)
    return new, replaced


def retire_replaced_keys(
    keys_dir: Path, now: datetime | None = None
) -> tuple[KeySchedule | None, list[KeySchedule]]:
    """Retire every key the signing key has replaced, now, and delete their private keys.

    Returns the signing key and the keys retired by this call. Keys still to start signing
    are left alone, as is the signing key itself.
    """
    now = now or utcnow()
    schedules = read_schedules(keys_dir)
    signing = signing_key(schedules, now)
    retired = []
    for schedule in schedules:
        replaced = signing is not None and schedule.signing_order() < signing.signing_order()
        if replaced and not schedule.retired(now):
            schedule = KeySchedule(
                schedule.name, schedule.kid, schedule.created_at, schedule.signs_from, now
            )
            write_schedule(keys_dir, schedule)
            retired.append(schedule)
        if schedule.retired(now):
            (keys_dir / f"{schedule.name}.pem").unlink(missing_ok=True)
            (keys_dir / f"{schedule.name}.pub.pem").unlink(missing_ok=True)
    return signing, retired


def init_app(app: Flask) -> ToolKeys:
    """Create the tool key if missing and attach the live key set to the app."""
    settings = app.config["LEADPATH"]
    ensure_tool_key(settings.keys_dir)
    keys = ToolKeys(settings.keys_dir, settings.key_reload_seconds)
    app.extensions[EXTENSION_KEY] = keys
    return keys


def get_keys() -> ToolKeys:
    """Return the current app's ToolKeys."""
    return current_app.extensions[EXTENSION_KEY]
