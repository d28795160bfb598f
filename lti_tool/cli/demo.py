"""`leadpath demo …`: fill the demo with a cohort (only while the demo is on)."""

from __future__ import annotations

import sys

import click


def register(cli: click.Group) -> None:
    """Add the demo commands."""

    @cli.group()
    def demo() -> None:
        """The demo platforms at /demo (LEADPATH_DEMO=true)."""

    @demo.command("seed")
    @click.option(
        "--learners",
        type=click.IntRange(1, 2000),
        default=30,
        show_default=True,
        help="How many learners to add (1 to 2000).",
    )
    @click.option("--seed", "rng_seed", type=int, help="Make the cohort the same on every run.")
    def seed(learners: int, rng_seed: int | None) -> None:
        """Add learners followed over years across the three demo organisations.

        Each learner takes self-assessments, 360s with raters and supervisor sign-offs
        through leadpath's own pages, dated across up to four years, and most link their
        accounts. The new statements are stored in the embedded LRS at their own dates.
        """
        from lti_tool import create_app
        from lti_tool.cli import settings_from_env
        from lti_tool.demo.seed import seed_cohort

        if not settings_from_env().demo:
            raise click.UsageError(
                "The demo is off: set LEADPATH_DEMO=true (make run does) to seed demo data."
            )
        app = create_app()
        for worker in ("leadpath.forwarder", "leadpath.grades"):
            if worker in app.extensions:  # the server delivers; seeding stores its own
                app.extensions[worker].stop(10)
        try:
            if sys.stderr.isatty():
                with click.progressbar(length=learners, label="Seeding", file=sys.stderr) as bar:
                    summary = seed_cohort(app, learners, rng_seed=rng_seed, progress=bar.update)
            else:
                summary = seed_cohort(app, learners, rng_seed=rng_seed)
        finally:
            app.extensions["leadpath.db"].engine.dispose()
        click.echo(summary.line())
