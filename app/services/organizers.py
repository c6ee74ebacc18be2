"""Organizer accounts: creation with argon2 hashes, and checking a login."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app.extensions import db
from app.models import OrganizerUser
from app.models.types import utcnow

password_hasher = PasswordHasher()
# Verified against when the email is unknown, so both cases take as long.
_UNKNOWN_USER_HASH = password_hasher.hash("no such organizer")


def normalize_email(email: str) -> str:
    """Organizer emails compare without case or surrounding space."""
    return email.strip().lower()


def find_organizer(email: str) -> OrganizerUser | None:
    """The organizer with this email, if any."""
    return db.session.execute(
        select(OrganizerUser).where(func.lower(OrganizerUser.email) == normalize_email(email))
    ).scalar_one_or_none()


def create_organizer(email: str, name: str, password: str, role: str = "organizer") -> OrganizerUser:
    """Add an organizer with an argon2 hash of the password; the caller commits."""
    organizer = OrganizerUser(
        email=normalize_email(email), name=name, password_hash=password_hasher.hash(password), role=role
    )
    db.session.add(organizer)
    db.session.flush()
    return organizer


def set_password(organizer: OrganizerUser, password: str) -> None:
    """Replace the organizer's password hash; the caller commits."""
    organizer.password_hash = password_hasher.hash(password)


def authenticate(email: str, password: str) -> OrganizerUser | None:
    """The active organizer whose email and password match, else None; rehashes stale hashes."""
    organizer = find_organizer(email)
    try:
        password_hasher.verify(organizer.password_hash if organizer else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if organizer is None or not organizer.active:
        return None
    if password_hasher.check_needs_rehash(organizer.password_hash):
        set_password(organizer, password)
    organizer.last_login_at = utcnow()
    return organizer
