"""Platform public keys: fetched with a timeout, cached, refreshed once on an unknown `kid`."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import jwt
import requests

from lti_tool.lti.errors import LaunchError

MIN_REFRESH_INTERVAL = 10.0  # seconds between forced refreshes of one URL


@dataclass
class _CachedSet:
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    fetched_at: float = 0.0


def parse_key_set(key_set: dict) -> dict[str, jwt.PyJWK]:
    """Return {kid: PyJWK bound to RS256} for the RS256 signing keys of a JWKS."""
    parsed: dict[str, jwt.PyJWK] = {}
    for jwk in key_set.get("keys", []) if isinstance(key_set, dict) else []:
        if not isinstance(jwk, dict) or not jwk.get("kid") or jwk.get("kty") != "RSA":
            continue
        if jwk.get("alg", "RS256") != "RS256" or jwk.get("use", "sig") != "sig":
            continue
        try:
            parsed[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256")
        except (jwt.PyJWKError, ValueError, TypeError):
            continue
    return parsed


class PlatformKeyCache:
    """Loaded platform keys per JWKS URL, shared by the threads of one process."""

    def __init__(self, timeout: float, max_age: int, user_agent: str = "leadpath"):
        self.timeout = (timeout, timeout)
        self.max_age = max_age
        self.http = requests.Session()
        self.http.headers["User-Agent"] = user_agent
        self._sets: dict[str, _CachedSet] = {}
        self._inline: dict[str, dict[str, jwt.PyJWK]] = {}
        # The same key set object comes back on every launch (registrations are cached), so it
        # is recognised by identity before its fingerprint is computed; entries hold the object.
        self._inline_seen: dict[int, tuple[dict, dict[str, jwt.PyJWK]]] = {}
        self._lock = threading.Lock()

    def key_for(self, *, kid: str, key_set_url: str | None, key_set: dict | None) -> jwt.PyJWK:
        """Return the public key with this kid, fetching or refreshing the JWKS as needed."""
        if key_set:
            keys = self._inline_keys(key_set)
            if kid in keys:
                return keys[kid]
            if not key_set_url:
                raise self._unknown_kid(kid, "the keys stored for this registration")
        if not key_set_url:
            raise LaunchError(
                "platform_keys_missing",
                "leadpath has no public keys for this platform.",
                "Register the platform's keyset URL with `leadpath platform add --jwks-url …`.",
            )
        with self._lock:
            cached = self._sets.get(key_set_url)
        now = time.monotonic()
        if cached and now - cached.fetched_at < self.max_age and kid in cached.keys:
            return cached.keys[kid]
        if cached and kid not in cached.keys and now - cached.fetched_at < MIN_REFRESH_INTERVAL:
            raise self._unknown_kid(kid, key_set_url)
        fresh = self._fetch(key_set_url)
        with self._lock:
            self._sets[key_set_url] = fresh
        if kid not in fresh.keys:
            raise self._unknown_kid(kid, key_set_url)
        return fresh.keys[kid]

    def _inline_keys(self, key_set: dict) -> dict[str, jwt.PyJWK]:
        seen = self._inline_seen.get(id(key_set))
        if seen is not None and seen[0] is key_set:
            return seen[1]
        fingerprint = json.dumps(key_set, sort_keys=True)
        keys = self._inline.get(fingerprint)
        if keys is None:
            keys = self._inline[fingerprint] = parse_key_set(key_set)
        with self._lock:
            if len(self._inline_seen) > 256:
                self._inline_seen.clear()
            self._inline_seen[id(key_set)] = (key_set, keys)
        return keys

    def _fetch(self, url: str) -> _CachedSet:
        try:
            response = self.http.get(url, timeout=self.timeout)
            response.raise_for_status()
            body = response.json()
        except requests.Timeout:
            raise self._unreachable(url, "did not answer in time") from None
        except requests.RequestException as exc:
            raise self._unreachable(url, f"could not be read ({type(exc).__name__})") from None
        except ValueError:
            raise self._unreachable(url, "did not return JSON") from None
        return _CachedSet(keys=parse_key_set(body), fetched_at=time.monotonic())

    @staticmethod
    def _unreachable(url: str, why: str) -> LaunchError:
        return LaunchError(
            "platform_keys_unreachable",
            f"The platform's public keyset at {url} {why}, so the launch could not be verified.",
            "Check that the LMS's keyset URL is reachable from leadpath, or correct it with "
            "`leadpath platform add --issuer … --client-id … --jwks-url …`.",
        )

    @staticmethod
    def _unknown_kid(kid: str, where: str) -> LaunchError:
        return LaunchError(
            "kid_unknown",
            f"The id_token was signed with key '{kid}', which is not in {where}.",
            "The platform may have rotated its keys; check its keyset URL in the registration.",
        )
