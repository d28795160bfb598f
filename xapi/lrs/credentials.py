"""LRS credentials: scoped keys, secrets stored hashed, verified with a brief in-process cache."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from xapi.lrs.models import Credential
from xapi.lrs.secrets_hash import hash_secret, verify_secret

SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "state/shared",
    "define",
    "profile",
    "all/read",
    "all",
)
_T = Credential.__table__


@dataclass(frozen=True)
class Principal:
    """A verified credential: its key, name, scopes and the authority it stamps on statements."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict

    def can(self, *scopes: str) -> bool:
        """Return True when the credential holds `all` or any of the scopes."""
        return "all" in self.scopes or any(s in self.scopes for s in scopes)


def parse_scopes(text: str) -> list[str]:
    """Return the scopes of a comma-separated list; raise ValueError naming an unknown one."""
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    for scope in scopes:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; choose from {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("give at least one scope")
    return scopes


def authority_for(key: str, name: str, home_page: str) -> dict:
    """Return the Agent a credential stamps as `authority`."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": home_page, "name": key}}


def create_credential(engine: Engine, name: str, scopes: list[str]) -> tuple[str, str]:
    """Create a credential; return (key, secret). The secret is not kept, only its hash."""
    key, secret = secrets.token_hex(10), secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(
            insert(_T).values(
                key=key,
                name=name,
                scopes=",".join(scopes),
                secret_hash=hash_secret(secret),
                created_at=datetime.now(UTC),
                revoked_at=None,
            )
        )
    return key, secret


def list_credentials(engine: Engine) -> list[dict]:
    """Return every credential (key, name, scopes, created_at, revoked_at), never secrets."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(_T.c.key, _T.c.name, _T.c.scopes, _T.c.created_at, _T.c.revoked_at).order_by(
                _T.c.created_at
            )
        )
        return [dict(row._mapping) for row in rows]


def revoke_credential(engine: Engine, key: str) -> bool:
    """Revoke a credential; return False when no active credential has that key."""
    with engine.begin() as conn:
        done = conn.execute(
            update(_T)
            .where(_T.c.key == key, _T.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
    return done.rowcount > 0


class Authenticator:
    """Check HTTP Basic key/secret pairs; remembers a verified pair for `cache_seconds`.

    The slow secret check is remembered for `cache_seconds`, but whether the key is still
    unrevoked is read again (one primary-key lookup) once `revocation_seconds` have passed, so
    a revocation takes effect in every worker within that time.
    """

    def __init__(
        self,
        engine: Engine,
        home_page: str,
        cache_seconds: float = 30.0,
        revocation_seconds: float = 1.0,
    ):
        self.engine = engine
        self.home_page = home_page
        self.cache_seconds = cache_seconds
        self.revocation_seconds = revocation_seconds
        self._cache: dict[str, tuple[bytes, Principal, float]] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def _still_valid(self, key: str, now: float) -> bool:
        if self._checked.get(key, 0.0) > now:
            return True
        with self.engine.connect() as conn:
            row = conn.execute(select(_T.c.revoked_at).where(_T.c.key == key)).first()
        if row is None or row.revoked_at is not None:
            self.forget(key)
            return False
        self._checked[key] = now + self.revocation_seconds
        return True

    def verify(self, key: str, secret: str) -> Principal | None:
        """Return the Principal of a valid, unrevoked key and secret, else None."""
        fingerprint = hashlib.sha256(f"{key}:{secret}".encode()).digest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and cached[2] > now and hmac.compare_digest(cached[0], fingerprint):
            return cached[1] if self._still_valid(key, now) else None
        with self.engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.key == key)).first()
        if row is None or row.revoked_at is not None or not verify_secret(secret, row.secret_hash):
            return None
        principal = Principal(
            key=row.key,
            name=row.name,
            scopes=frozenset(row.scopes.split(",")),
            authority=authority_for(row.key, row.name, self.home_page),
        )
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
                self._checked.clear()
            self._cache[key] = (fingerprint, principal, now + self.cache_seconds)
            self._checked[key] = now + self.revocation_seconds
        return principal

    def forget(self, key: str) -> None:
        """Drop a key from the cache (after revoking it in this process)."""
        self._cache.pop(key, None)
        self._checked.pop(key, None)
