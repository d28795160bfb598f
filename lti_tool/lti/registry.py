"""The platform registry in the database: registrations, their deployments, and lookups."""

from __future__ import annotations

import time
from dataclasses import dataclass

from pylti1p3.registration import Registration
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.lti.platform_urls import web_address
from lti_tool.models import Deployment, Platform


class RegistryError(ValueError):
    """A registry change that cannot be made, with the reason."""


@dataclass(frozen=True)
class PlatformView:
    """A registration as shown by `leadpath platform list`."""

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str | None
    deployment_ids: list[str]
    name: str | None
    status: str = "active"
    token_audience: str | None = None

    @classmethod
    def of(cls, platform: Platform) -> PlatformView:
        """Return the view of a Platform row."""
        return cls(
            issuer=platform.issuer,
            client_id=platform.client_id,
            auth_login_url=platform.auth_login_url,
            auth_token_url=platform.auth_token_url,
            key_set_url=platform.key_set_url,
            deployment_ids=[d.deployment_id for d in platform.deployments],
            name=platform.name,
            status=platform.status or "active",
            token_audience=platform.token_audience,
        )


def find_platform(session: Session, issuer: str, client_id: str | None) -> Platform | None:
    """Return the registration for issuer + client id (or the issuer's only one without an id)."""
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return session.scalar(query.where(Platform.client_id == client_id))
    found = session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str | None = None,
    auth_token_url: str | None = None,
    key_set_url: str | None = None,
    key_set: dict | None = None,
    name: str | None = None,
    token_audience: str | None = None,
) -> tuple[Platform, bool]:
    """Create a registration or add deployment ids / new URLs to an existing one.

    Returns the platform and whether it was newly created.
    """
    for option, url in (
        ("--issuer", issuer),
        ("--auth-url", auth_login_url),
        ("--token-url", auth_token_url),
        ("--jwks-url", key_set_url),
    ):
        if url is not None and not web_address(url):
            raise RegistryError(
                f"{option} must be an http(s) address with a host and no user name or password "
                f"(got {url[:80]!r})."
            )
    platform = find_platform(session, issuer, client_id)
    created = platform is None
    if created:
        if not auth_login_url or not auth_token_url or not (key_set_url or key_set):
            raise RegistryError("A new registration needs --auth-url, --token-url and --jwks-url.")
        platform = Platform(issuer=issuer, client_id=client_id)
        session.add(platform)
    for attr, value in (
        ("auth_login_url", auth_login_url),
        ("auth_token_url", auth_token_url),
        ("key_set_url", key_set_url),
        ("key_set", key_set),
        ("name", name),
        ("token_audience", token_audience),
    ):
        if value is not None:
            setattr(platform, attr, value)
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in deployment_ids:
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
            known.add(deployment_id)
    session.flush()
    return platform, created


def remove_platform(session: Session, issuer: str, client_id: str) -> bool:
    """Delete a registration and its deployments; False if there was none."""
    platform = find_platform(session, issuer, client_id)
    if platform is None:
        return False
    session.delete(platform)
    return True


def approve_platform(session: Session, issuer: str, client_id: str) -> bool | None:
    """Let a pending registration launch; None if there is none, False if it was not pending."""
    platform = find_platform(session, issuer, client_id)
    if platform is None:
        return None
    if platform.status == "active":
        return False
    platform.status = "active"
    return True


def list_platforms(session: Session) -> list[PlatformView]:
    """Return every registration, oldest first."""
    rows = session.scalars(
        select(Platform).options(selectinload(Platform.deployments)).order_by(Platform.id)
    )
    return [PlatformView.of(p) for p in rows]


def to_registration(platform: Platform) -> Registration:
    """Return a pylti1p3 Registration for a Platform row."""
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_key_set(platform.key_set)
    )


@dataclass(frozen=True)
class PlatformInfo:
    """A registration as the launch path needs it, detached from any session."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str | None
    key_set: dict | None
    deployment_ids: frozenset[str]
    status: str = "active"

    @property
    def pending(self) -> bool:
        """Return True while the registration waits for `leadpath platform approve`."""
        return self.status == "pending"


class PlatformDirectory:
    """Registrations cached per process for `ttl` seconds.

    A miss, or a deployment id the cached entry does not know, is re-read from the database
    before a launch is refused, so `leadpath platform add` takes effect at once.
    """

    def __init__(self, engine, ttl: float = 30.0):
        self.engine = engine
        self.ttl = ttl
        self._cache: dict[tuple[str, str | None], tuple[float, PlatformInfo | None]] = {}

    def lookup(self, issuer: str, client_id: str | None, *, fresh: bool = False):
        """Return the registration for issuer (+ client id), or None."""
        key = (issuer, client_id)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and not fresh and cached[0] > now and cached[1] is not None:
            if not cached[1].pending:
                return cached[1]
        info = self._read(issuer, client_id)
        self._cache[key] = (now + self.ttl, info)
        return info

    def with_deployment(self, issuer: str, client_id: str, deployment_id: str):
        """Return the registration, re-read once when it does not list `deployment_id`."""
        info = self.lookup(issuer, client_id)
        if info is not None and deployment_id not in info.deployment_ids:
            info = self.lookup(issuer, client_id, fresh=True)
        return info

    def _read(self, issuer: str, client_id: str | None) -> PlatformInfo | None:
        platforms, deployments = Platform.__table__, Deployment.__table__
        query = select(platforms).where(platforms.c.issuer == issuer)
        if client_id:
            query = query.where(platforms.c.client_id == client_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(2)).all()
            if len(rows) != 1:
                return None
            row = rows[0]
            ids = conn.scalars(
                select(deployments.c.deployment_id).where(deployments.c.platform_id == row.id)
            ).all()
        return PlatformInfo(
            row.id,
            row.issuer,
            row.client_id,
            row.auth_login_url,
            row.auth_token_url,
            row.key_set_url,
            row.key_set,
            frozenset(ids),
            row.status,
        )
