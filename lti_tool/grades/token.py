"""Access tokens for a platform's services: the client-credentials grant with a JWT assertion.

1EdTech Security Framework 1.0, section 4.1: the tool posts `grant_type=client_credentials`,
`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, a JWT signed
with its active key (`iss` = `sub` = client id, `aud` = the token URL or the platform's own
audience, `jti`, `iat`, `exp`)
and the scopes it wants. Tokens are cached per platform until shortly before they expire.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import jwt
import requests

from xapi.queue import TEXT_LIMIT, parse_retry_after

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 300
EARLY_SECONDS = 60  # a cached token is renewed this long before it expires


@dataclass(frozen=True)
class TokenTarget:
    """What a token request needs of a platform registration."""

    platform_id: int
    client_id: str
    token_url: str
    audience: str | None = None  # the assertion's `aud` when it is not the token URL


class TokenError(Exception):
    """The token endpoint did not issue a token; `status` is None for a connection failure."""

    def __init__(self, message: str, status: int | None = None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TokenClient:
    """Fetch and cache access tokens; `keys()` returns the tool's ToolKeys (its active key)."""

    def __init__(self, http: requests.Session, keys, timeout: tuple[float, float]):
        self.http = http
        self.keys = keys
        self.timeout = timeout
        self._cache: dict[tuple, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def assertion(self, target: TokenTarget) -> str:
        """Return a fresh client assertion signed with the tool's active key."""
        active = self.keys().active
        now = int(time.time())
        claims = {
            "iss": target.client_id,
            "sub": target.client_id,
            "aud": target.audience or target.token_url,
            "iat": now,
            "exp": now + ASSERTION_SECONDS,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(
            claims, active.private_key, algorithm="RS256", headers={"kid": active.kid}
        )

    def token(self, target: TokenTarget, scopes: tuple[str, ...]) -> str:
        """Return a cached access token for the scopes, or request a new one."""
        key = (target, scopes)
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        token, lifetime = self._request(target, scopes)
        with self._lock:
            self._cache[key] = (time.monotonic() + max(lifetime - EARLY_SECONDS, 0), token)
        return token

    def forget(self, target: TokenTarget) -> None:
        """Drop the platform's cached tokens (after the platform refused one)."""
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != target}

    def _request(self, target: TokenTarget, scopes: tuple[str, ...]) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(target),
            "scope": " ".join(scopes),
        }
        try:
            response = self.http.post(
                target.token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise TokenError(f"token endpoint unreachable: {exc}") from None
        text = response.text[:TEXT_LIMIT]
        if response.status_code != 200:
            raise TokenError(
                f"token endpoint answered HTTP {response.status_code}: {text}",
                response.status_code,
                parse_retry_after(response.headers.get("Retry-After")),
            )
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise TokenError(f"token endpoint answered without an access_token: {text}") from None
        if not isinstance(token, str) or not token:
            raise TokenError(f"token endpoint answered an empty access_token: {text}")
        return token, lifetime
