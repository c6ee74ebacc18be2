"""`flask` commands for operators."""

import click
from flask import Flask


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    app.cli.add_command(seed_demo)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the municipalities, the Kuntatutor series and the demo events (safe to run again)."""
    from app.services.demo import seed_demo as load_demo

    summary = load_demo()
    click.echo(summary)
