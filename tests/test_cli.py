"""The operators' `flask` commands: seed-demo and create-organizer."""

from sqlalchemy import func, select

from app.models import Event, Municipality, OrganizerUser
from app.services.organizers import authenticate

PASSWORD = "a long enough passphrase"


def organizer_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OrganizerUser))


def create_organizer(runner, *extra, email="maija.meikalainen@example.org", password=PASSWORD, **kwargs):
    args = ["create-organizer", "--email", email, "--name", "Maija Meikäläinen", *extra]
    if password is not None:
        args += ["--password", password]
    return runner.invoke(args=args, **kwargs)


def test_seed_demo_command_loads_the_demo_data_and_says_so(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data:" in result.output
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == 26
    assert db.session.scalar(select(func.count()).select_from(Event)) == 2

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "0 of 2 demo events created" in again.output
    assert db.session.scalar(select(func.count()).select_from(Event)) == 2


def test_create_organizer_adds_an_organizer_whose_password_verifies(runner, db):
    result = create_organizer(runner)
    assert result.exit_code == 0, result.output
    assert "Created organizer maija.meikalainen@example.org." in result.output
    organizer = authenticate("maija.meikalainen@example.org", PASSWORD)
    assert organizer is not None
    assert organizer.name == "Maija Meikäläinen"
    assert organizer.role == "organizer"
    assert authenticate("maija.meikalainen@example.org", "wrong password here") is None


def test_create_organizer_asks_the_password_twice_without_showing_it(runner, db):
    result = create_organizer(runner, "--role", "admin", password=None, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output
    assert authenticate("maija.meikalainen@example.org", PASSWORD).role == "admin"


def test_create_organizer_asks_again_when_the_confirmation_differs(runner, db):
    typed = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    result = create_organizer(runner, password=None, input=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert authenticate("maija.meikalainen@example.org", PASSWORD) is not None


def test_create_organizer_refuses_an_email_that_exists_in_any_case(runner, db):
    assert create_organizer(runner).exit_code == 0

    result = create_organizer(runner, email="Maija.Meikalainen@Example.org", password="another passphrase")

    assert result.exit_code != 0
    assert "An organizer with the email maija.meikalainen@example.org already exists" in result.output
    assert organizer_count(db) == 1
    assert authenticate("maija.meikalainen@example.org", PASSWORD) is not None


def test_create_organizer_refuses_a_short_password(runner, db):
    result = create_organizer(runner, password="short")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert organizer_count(db) == 0


def test_create_organizer_refuses_an_invalid_email(runner, db):
    result = create_organizer(runner, email="not-an-address")
    assert result.exit_code != 0
    assert "--email" in result.output
    assert organizer_count(db) == 0


def test_create_organizer_accepts_only_the_known_roles(runner, db):
    result = create_organizer(runner, "--role", "superuser")
    assert result.exit_code != 0
    assert "admin" in result.output and "organizer" in result.output
    assert organizer_count(db) == 0
