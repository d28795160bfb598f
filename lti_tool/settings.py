"""Typed settings read from ``LEADPATH_`` environment variables (and an optional TOML file).

Every setting has one name, one parser and one sentence describing the expected form, so a
wrong value stops start-up with a line naming the variable and what it should look like. Names
are strict too: an unknown `LEADPATH_` variable or TOML key stops start-up with a line naming it
and the closest known name, so a misspelt setting is never silently ignored. The only open
names are the destination LRSs' `LEADPATH_LRS_<NAME>_…` (see `xapi.outbox.config`).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "LEADPATH_"

# `LEADPATH_` variables that other parts of a deployment read, not leadpath's settings: known
# names (so strict settings accept them), each documented in the README's configuration table.
READ_ELSEWHERE = {
    "config_file": "names the TOML settings file (read by load_settings itself)",
    "bind": "config/gunicorn.conf.py: the address gunicorn listens on",
    "workers": "config/gunicorn.conf.py: how many gunicorn worker processes",
    "forwarded_allow_ips": "config/gunicorn.conf.py: proxies whose X-Forwarded-* gunicorn trusts",
    "test_db": "the test suite: the database it runs on when --db is not given",
    "test_postgres": "the test suite: the PostgreSQL admin URL it makes databases through",
    "test_redis": "the test suite: the Redis it tests the launch store against",
    "test_chromium": "the test suite: the browser the end-to-end tests drive",
}
# A destination LRS: LEADPATH_LRS_<NAME>_ENDPOINT, _KEY, _SECRET, _PLATFORMS, _COURSES.
LRS_PARTS = ("endpoint", "key", "secret", "platforms", "courses")
_LRS_SETTING = re.compile(r"lrs_(?P<name>.+)_(?P<part>" + "|".join(LRS_PARTS) + ")")


class SettingsError(ValueError):
    """A setting has a value leadpath cannot use; the message names the variable."""


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError


def _parse_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError
    return raw.strip().rstrip("/")


def _parse_db_url(raw: str) -> str:
    if not raw.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError
    if raw.startswith("postgres:"):
        raw = "postgresql:" + raw[len("postgres:") :]
    if raw.startswith("postgresql:"):
        raw = "postgresql+psycopg:" + raw[len("postgresql:") :]
    return raw


def _parse_redis_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError
    return raw


def _parse_nonnegative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError
    return value


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError
    return value


def _parse_positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError
    return value


_RATER_GROUPS = ("line-manager", "peer", "direct-report", "other")


def _parse_rater_groups(raw: str) -> tuple[str, ...]:
    groups = tuple(g.strip() for g in raw.split(",") if g.strip())
    if any(g not in _RATER_GROUPS for g in groups):
        raise ValueError
    return groups


def _parse_token(raw: str) -> str:
    if len(raw.strip()) < 32:
        raise ValueError
    return raw.strip()


def _parse_origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.replace(",", " ").split())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
            raise ValueError
    return origins


def _parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError
    return level


_SECRETS = {"secret_key", "metrics_token", "report_lrs_secret"}
# name -> (parser, expected form)
_PARSERS: dict[str, tuple[Any, str]] = {
    "base_url": (_parse_url, "an http(s) URL such as https://leadpath.example.ac.uk"),
    "data_dir": (Path, "a directory path such as ./var"),
    "database_url": (
        _parse_db_url,
        "an SQLAlchemy URL such as sqlite:///var/leadpath.db or postgresql://user@host/db",
    ),
    "redis_url": (_parse_redis_url, "a Redis URL such as redis://127.0.0.1:6379/0"),
    "secret_key": (str, "a long random string"),
    "demo": (_parse_bool, "true or false"),
    "clock_skew": (_parse_nonnegative_int, "a whole number of seconds such as 60"),
    "http_timeout": (_parse_positive_float, "a number of seconds such as 5"),
    "jwks_cache_seconds": (_parse_nonnegative_int, "a whole number of seconds such as 3600"),
    "launch_state_seconds": (_parse_nonnegative_int, "a whole number of seconds such as 600"),
    "key_grace_seconds": (_parse_nonnegative_int, "a whole number of seconds such as 86400"),
    "key_retire_seconds": (_parse_nonnegative_int, "a whole number of seconds such as 604800"),
    "key_reload_seconds": (_parse_positive_float, "a number of seconds such as 30"),
    "session_hours": (_parse_nonnegative_int, "a whole number of hours such as 8"),
    "session_idle_minutes": (_parse_positive_int, "a whole number of minutes such as 60"),
    "frame_ancestors": (
        _parse_origins,
        "origins separated by spaces, such as https://school.instructure.com",
    ),
    "proxy_fix": (_parse_nonnegative_int, "the number of proxies in front of leadpath, e.g. 1"),
    "log_level": (_parse_log_level, "one of DEBUG, INFO, WARNING, ERROR"),
    "xapi_include_pii": (_parse_bool, "true or false"),
    "forwarder_thread": (_parse_bool, "true or false"),
    "forwarder_batch_size": (_parse_positive_int, "a whole number of statements such as 100"),
    "forwarder_connect_timeout": (_parse_positive_float, "a number of seconds such as 3.05"),
    "forwarder_read_timeout": (_parse_positive_float, "a number of seconds such as 30"),
    "forwarder_backoff_seconds": (_parse_positive_float, "a number of seconds such as 1"),
    "forwarder_backoff_max_seconds": (_parse_positive_float, "a number of seconds such as 300"),
    "forwarder_poll_seconds": (_parse_positive_float, "a number of seconds such as 1"),
    "forwarder_lease_seconds": (_parse_positive_float, "a number of seconds such as 300"),
    "forwarder_lanes": (_parse_positive_int, "a whole number of parallel batches such as 2"),
    "forwarder_about_seconds": (_parse_positive_float, "a number of seconds such as 3600"),
    "forwarder_embedded": (_parse_bool, "true or false"),
    "link_code_minutes": (_parse_positive_int, "a whole number of minutes such as 30"),
    "link_code_max_failures": (_parse_positive_int, "a whole number of wrong codes such as 5"),
    "link_code_lockout_minutes": (_parse_positive_int, "a whole number of minutes such as 15"),
    "feedback_min_raters": (_parse_positive_int, "a whole number of raters such as 3"),
    "feedback_gap_threshold": (_parse_positive_float, "a number of stages such as 1"),
    "smtp_url": (str, "an SMTP server such as smtp://user:password@mail.example.org:587"),
    "mail_from": (str, "an email address such as leadpath@example.org"),
    "mail_reply_to": (str, "an email address such as leadership-team@example.org"),
    "admin_max_failures": (_parse_positive_int, "a whole number of wrong passwords such as 5"),
    "admin_lockout_minutes": (_parse_positive_int, "a whole number of minutes such as 15"),
    "registration_private_addresses": (_parse_bool, "true or false"),
    "platform_approval": (_parse_bool, "true or false"),
    "feedback_exempt_groups": (
        _parse_rater_groups,
        "comma-separated rater groups (line-manager, peer, direct-report, other), or empty",
    ),
    "metrics": (_parse_bool, "true or false"),
    "metrics_token": (_parse_token, "a random string of at least 32 characters"),
    "report_lrs_endpoint": (
        _parse_url,
        "the xAPI endpoint of an LRS, such as https://lrs.example/xapi",
    ),
    "report_lrs_key": (str, "the key (Basic auth user) of a credential that may read statements"),
    "report_lrs_secret": (str, "the secret of that credential"),
    "prune_interval_minutes": (_parse_nonnegative_int, "a whole number of minutes such as 60"),
    "retain_delivered_statements_days": (_parse_nonnegative_int, "a whole number of days"),
    "retain_launch_states_hours": (_parse_nonnegative_int, "a whole number of hours"),
    "retain_sessions_days": (_parse_nonnegative_int, "a whole number of days"),
    "retain_link_codes_days": (_parse_nonnegative_int, "a whole number of days"),
    "retain_grades_days": (_parse_nonnegative_int, "a whole number of days"),
    "retain_rater_emails_days": (_parse_nonnegative_int, "a whole number of days"),
    "roster_max_age_minutes": (_parse_nonnegative_int, "a whole number of minutes such as 60"),
    "programme_overdue_days": (_parse_positive_int, "a whole number of days such as 365"),
    "worker_max_requests": (_parse_nonnegative_int, "a whole number of requests such as 2000"),
}


@dataclass(frozen=True)
class Settings:
    """Everything leadpath reads from its environment."""

    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str | None = None
    demo: bool = False
    clock_skew: int = 60
    http_timeout: float = 5.0
    jwks_cache_seconds: int = 3600
    launch_state_seconds: int = 600
    key_grace_seconds: int = 86400
    key_retire_seconds: int = 604800
    key_reload_seconds: float = 30.0
    session_hours: int = 8
    session_idle_minutes: int = 60
    frame_ancestors: tuple[str, ...] = ()
    proxy_fix: int = 0
    log_level: str = "INFO"
    xapi_include_pii: bool = False
    forwarder_thread: bool = False
    forwarder_batch_size: int = 100
    forwarder_connect_timeout: float = 3.05
    forwarder_read_timeout: float = 30.0
    forwarder_backoff_seconds: float = 1.0
    forwarder_backoff_max_seconds: float = 300.0
    forwarder_poll_seconds: float = 1.0
    forwarder_lease_seconds: float = 300.0
    forwarder_lanes: int = 2
    forwarder_about_seconds: float = 3600.0
    forwarder_embedded: bool | None = None  # unset: the embedded LRS stays as it was
    link_code_minutes: int = 30
    link_code_max_failures: int = 5
    link_code_lockout_minutes: int = 15
    feedback_min_raters: int = 3
    feedback_gap_threshold: float = 1.0
    smtp_url: str | None = None
    mail_from: str = "leadpath@localhost"
    mail_reply_to: str | None = None
    feedback_exempt_groups: tuple[str, ...] = ("line-manager",)
    admin_max_failures: int = 5
    admin_lockout_minutes: int = 15
    registration_private_addresses: bool = False
    platform_approval: bool = False
    metrics: bool = False
    metrics_token: str | None = None
    report_lrs_endpoint: str | None = None  # unset: reports read the embedded LRS
    report_lrs_key: str | None = None
    report_lrs_secret: str | None = None
    prune_interval_minutes: int = 60
    retain_delivered_statements_days: int = 30
    retain_launch_states_hours: int = 24
    retain_sessions_days: int = 1
    retain_link_codes_days: int = 7
    retain_grades_days: int = 30
    retain_rater_emails_days: int = 30
    roster_max_age_minutes: int = 60
    programme_overdue_days: int = 365
    worker_max_requests: int = 2000
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        """Return the default SQLite database file under the data directory."""
        return self.data_dir / "leadpath.db"

    @property
    def keys_dir(self) -> Path:
        """Return the directory holding the tool's and the demo platform's key pairs."""
        return self.data_dir / "keys"

    @property
    def is_https(self) -> bool:
        """Return True when leadpath is served over HTTPS."""
        return self.base_url.startswith("https://")

    def url(self, path: str) -> str:
        """Return the absolute URL of a path under the base URL."""
        return self.base_url + path


def env_name(name: str) -> str:
    """Return the environment variable that sets a setting."""
    return PREFIX + name.upper()


def parse_value(name: str, raw: Any) -> Any:
    """Parse one raw value, raising SettingsError naming the variable and the expected form."""
    parser, expected = _PARSERS[name]
    if not isinstance(raw, str):
        raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
    try:
        return parser(raw)
    except (ValueError, TypeError):
        got = f"{len(raw)} characters" if name in _SECRETS else repr(raw)  # never echo a secret
        raise SettingsError(f"{env_name(name)} must be {expected} (got {got}).") from None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from a TOML file (LEADPATH_CONFIG_FILE), the environment, then overrides.

    Raises SettingsError naming an unknown variable or key, or a value of the wrong form.
    """
    environ = dict(os.environ if environ is None else environ)
    raw: dict[str, Any] = {}
    config_file = environ.get(PREFIX + "CONFIG_FILE")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                from_file = {k.lower(): v for k, v in tomllib.load(fh).items()}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(
                f"{PREFIX}CONFIG_FILE must name a readable TOML file ({exc})."
            ) from None
        _refuse_unknown(from_file, lambda name: f"{name} in {config_file}", str)
        raw.update(from_file)
    from_env = {
        key[len(PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(PREFIX) and key[len(PREFIX) :].lower() not in READ_ELSEWHERE
    }
    _refuse_unknown(from_env, env_name, env_name)
    raw.update(from_env)
    given = {k: v for k, v in overrides.items() if v is not None}
    _refuse_unknown(given, repr, repr)
    raw.update(given)
    known = _setting_names()
    extra = {name: str(value) for name, value in raw.items() if name not in known}
    _refuse_lrs_parts_without_endpoint(extra)
    values = {name: parse_value(name, value) for name, value in raw.items() if name in known}
    settings = Settings(extra=extra, **values)
    if settings.metrics and not settings.metrics_token:
        raise SettingsError(
            f"{env_name('metrics')} is true but {env_name('metrics_token')} is not set: "
            "/metrics needs a token its scraper sends as a bearer token."
        )
    _refuse_partial_report_source(settings)
    if not settings.database_url:
        path = settings.sqlite_path.resolve()
        settings = _replace(settings, database_url=f"sqlite:///{path}")
    return settings


def _refuse_partial_report_source(settings: Settings) -> None:
    given = [n for n in ("report_lrs_key", "report_lrs_secret") if getattr(settings, n)]
    if settings.report_lrs_endpoint and len(given) < 2:
        missing = "report_lrs_secret" if given == ["report_lrs_key"] else "report_lrs_key"
        raise SettingsError(
            f"{env_name('report_lrs_endpoint')} is set but {env_name(missing)} is not: "
            "reports need a credential that may read statements from that LRS."
        )
    if given and not settings.report_lrs_endpoint:
        raise SettingsError(
            f"{env_name(given[0])} is set but {env_name('report_lrs_endpoint')} is not: "
            "name the LRS reports should read, or unset the credential."
        )


def _setting_names() -> set[str]:
    return {f.name for f in fields(Settings)} - {"extra"}


def _refuse_unknown(raw: dict[str, Any], describe, spell) -> None:
    """Raise SettingsError naming every unknown name in raw and the closest known name."""
    known = _setting_names()
    unknown = sorted(n for n in raw if n not in known and not _LRS_SETTING.fullmatch(n))
    if not unknown:
        return
    problems = []
    for name in unknown:
        candidates = set(known)
        if name.startswith("lrs_"):
            stem = name.rsplit("_", 1)[0]
            candidates.update(f"{stem}_{part}" for part in LRS_PARTS)
        close = difflib.get_close_matches(name, sorted(candidates), n=1)
        hint = f"did you mean {spell(close[0])}?" if close else "the README lists every setting"
        problems.append(f"{describe(name)} ({hint})")
    noun = "setting" if len(problems) == 1 else "settings"
    raise SettingsError(f"Unknown {noun} " + "; ".join(problems))


def _refuse_lrs_parts_without_endpoint(extra: dict[str, str]) -> None:
    for name in sorted(extra):
        found = _LRS_SETTING.fullmatch(name)
        endpoint = f"lrs_{found['name']}_endpoint"
        if endpoint not in extra:
            raise SettingsError(
                f"{env_name(name)} is set but {env_name(endpoint)} is not: "
                "a destination LRS needs its endpoint."
            )


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)
