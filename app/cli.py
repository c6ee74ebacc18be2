"""`flask` commands for operators."""

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.users import ROLES
from app.demo import seed
from app.services import organizers, registration, retention


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_organizer)
    app.cli.add_command(purge_expired)
    app.cli.add_command(recount_seats)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the municipalities, the Kuntatutor series and the demo events (safe to run again)."""
    click.echo(seed.seed_demo())


def valid_email(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The organizer's email, checked and normalized as logins compare it."""
    try:
        return organizers.normalize_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error)) from None


def valid_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The organizer's name without surrounding space; it may not be empty."""
    if not value.strip():
        raise click.BadParameter("The name cannot be empty.")
    return value.strip()


def valid_password(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A password long enough to resist guessing; a prompt asks again when it is not."""
    if len(value) < organizers.MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"The password must be at least {organizers.MIN_PASSWORD_LENGTH} characters long.")
    return value


@click.command("create-organizer")
@click.option(
    "--email", required=True, callback=valid_email, help="The email address the organizer logs in with."
)
@click.option("--name", required=True, callback=valid_name, help="The organizer's name as colleagues see it.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="organizer",
    show_default=True,
    help="Admins manage every event; organizers only those they are given.",
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=valid_password,
    help="For scripts; when left out, it is asked twice without showing it.",
)
def create_organizer(email: str, name: str, role: str, password: str) -> None:
    """Add an organizer account that can log in to the organizer pages."""
    already_exists = click.ClickException(
        f"An organizer with the email {email} already exists; nothing was changed."
    )
    try:
        organizer = organizers.create_organizer(email, name, password, role=role)
        db.session.commit()
    except organizers.EmailTaken:
        raise already_exists from None
    except IntegrityError:
        # Someone else created the same email between the check and the insert.
        db.session.rollback()
        raise already_exists from None
    click.echo(f"Created {organizer.role} {organizer.email}.")


@click.command("purge-expired")
def purge_expired() -> None:
    """Anonymize registrations of events that ended RETENTION_DAYS ago (also run daily by beat)."""
    purged = retention.purge_expired()
    db.session.commit()
    click.echo(f"Personal data removed from {purged} registrations.")


@click.command("recount-seats")
def recount_seats() -> None:
    """Correct the seat counters of events still to start from their registrations (also run every minute by beat)."""
    corrected = registration.recount_seats()
    db.session.commit()
    click.echo(f"Seat counters corrected on {len(corrected)} events.")
