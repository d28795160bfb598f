"""`leadpath demo …`: fill the demo with a cohort (only while the demo is on)."""

from __future__ import annotations

import click

from lti_tool.cli.common import progressbar, settings_from_env, summary


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
        from lti_tool.demo.seed import seed_demo

        if not settings_from_env().demo:
            raise click.UsageError(
                "The demo is off: set LEADPATH_DEMO=true (make run does) to seed demo data."
            )
        with progressbar(length=learners, label="Seeding") as bar:
            added = seed_demo(learners, rng_seed=rng_seed, progress=bar.update)
        summary(added.line())
