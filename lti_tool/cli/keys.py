"""`leadpath keys …`: the tool's signing keys and their rotation."""

from __future__ import annotations

import click

from lti_tool import signing_keys
from lti_tool.cli.common import json_option, print_report, settings_from_env
from lti_tool.models import utcnow


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _state(schedule: signing_keys.KeySchedule, signing_kid: str | None, now) -> str:
    if schedule.retired(now):
        return "retired"
    if schedule.kid == signing_kid:
        return "signing"
    if schedule.signs_from is not None and schedule.signs_from > now:
        return "published, signs later"
    return "published, replaced"


def _report(keys_dir) -> list[dict]:
    now = utcnow()
    schedules = signing_keys.read_schedules(keys_dir)
    signing = signing_keys.signing_key(schedules, now)
    return [
        {**s.as_json(), "state": _state(s, signing.kid if signing else None, now)}
        for s in schedules
    ]


def register(cli: click.Group) -> None:
    """Add the keys commands."""

    @cli.group()
    def keys() -> None:
        """Manage the tool's RSA signing keys (published at /lti/jwks)."""

    @keys.command("ensure")
    def ensure() -> None:
        """Create the tool's key pair if it is missing."""
        created = signing_keys.ensure_tool_key(settings_from_env().keys_dir)
        click.echo("Created a new key pair." if created else "Key pair already present.")

    @keys.command("list")
    @json_option
    def list_keys(as_json: bool) -> None:
        """List the tool's keys: which signs, which are published, which are retired."""
        report = _report(settings_from_env().keys_dir)

        def for_people(rows):
            for row in rows:
                click.echo(
                    f"{row['name']}  {row['kid']}  {row['state']}"
                    f"  (signs from {row['signs_from'] or 'the start'}"
                    f"{', retired ' + row['retired_at'] if row['retired_at'] else ''})"
                )
            click.echo(f"{len(rows)} key(s).")

        print_report(report, as_json, for_people)

    @keys.command("rotate")
    @click.option(
        "--now",
        "at_once",
        is_flag=True,
        help="Sign with the new key at once, without the grace period (for a key you believe "
        "is exposed; platforms that cached the keyset refuse its signatures until they fetch "
        "it again).",
    )
    @json_option
    def rotate(at_once: bool, as_json: bool) -> None:
        """Publish a new signing key now; sign with it after LEADPATH_KEY_GRACE_SECONDS.

        The keys it replaces stay published until LEADPATH_KEY_RETIRE_SECONDS after the new
        key starts signing, or until `leadpath keys retire`. Running leadpath processes follow
        within LEADPATH_KEY_RELOAD_SECONDS; nothing needs restarting.
        """
        settings = settings_from_env()
        grace = 0 if at_once else settings.key_grace_seconds
        new, replaced = signing_keys.rotate_tool_key(
            settings.keys_dir, grace, settings.key_retire_seconds
        )
        report = {"new": new.as_json(), "replaced": [s.as_json() for s in replaced]}

        def for_people(_report):
            click.echo(
                f"Published key {new.kid} ({new.name}); leadpath signs with it from "
                f"{_when(new.signs_from)}."
            )
            for old in replaced:
                click.echo(
                    f"Key {old.kid} ({old.name}) leaves the keyset at "
                    f"{_when(old.retired_at)} (or at `leadpath keys retire`)."
                )
            click.echo(
                f"Running leadpath processes follow within {settings.key_reload_seconds:g} s; "
                "no restart is needed."
            )

        print_report(report, as_json, for_people)

    @keys.command("retire")
    @json_option
    def retire(as_json: bool) -> None:
        """Remove the keys the signing key has replaced from the keyset, and delete them."""
        settings = settings_from_env()
        signing, retired = signing_keys.retire_replaced_keys(settings.keys_dir)
        pending = [
            s
            for s in signing_keys.read_schedules(settings.keys_dir)
            if s.signs_from and s.signs_from > utcnow() and not s.retired(utcnow())
        ]
        report = {
            "signing": signing.as_json() if signing else None,
            "retired": [s.as_json() for s in retired],
            "pending": [s.as_json() for s in pending],
        }

        def for_people(_report):
            for old in retired:
                click.echo(f"Retired key {old.kid} ({old.name}): no longer in the keyset.")
            for later in pending:
                click.echo(
                    f"Key {later.kid} ({later.name}) signs from {_when(later.signs_from)}; "
                    f"key {signing.kid if signing else '-'} keeps signing until then. Run "
                    "`leadpath keys retire` again after that time to retire it."
                )
            click.echo(f"{len(retired)} key(s) retired.")

        print_report(report, as_json, for_people)
