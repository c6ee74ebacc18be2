"""Organizer accounts: creation with argon2 hashes, logins, passwords, deactivation and what each may manage."""

import base64
import hashlib

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Event, OrganizerUser, Series
from app.models.types import utcnow

password_hasher = PasswordHasher()
# Verified against when the email is unknown, so both cases take as long.
_UNKNOWN_USER_HASH = password_hasher.hash("no such organizer")

# Long enough that a passphrase of a few words passes and a guessable word does not;
# the web forms and `flask create-organizer` read it from here.
MIN_PASSWORD_LENGTH = 12


class AccountRuleRefused(Exception):
    """A change to accounts that the rules refuse; the subclass says which rule."""


class EmailTaken(AccountRuleRefused):
    """Another organizer already logs in with this email."""


class PasswordTooShort(AccountRuleRefused):
    """The new password is shorter than MIN_PASSWORD_LENGTH."""


class WrongPassword(AccountRuleRefused):
    """The current password given does not match."""


class PasswordUnchanged(AccountRuleRefused):
    """The new password is the same as the current one."""


class OwnPassword(AccountRuleRefused):
    """An admin sets only other organizers' passwords: their own they change giving the current one."""


class OwnAccount(AccountRuleRefused):
    """An admin may not deactivate their own account or change their own role: they would lock themselves out."""


class LastActiveAdmin(AccountRuleRefused):
    """Deactivating or demoting the last active admin would leave no one to manage the accounts."""


def normalize_email(email: str) -> str:
    """Organizer emails compare without case or surrounding space."""
    return email.strip().lower()


def find_organizer(email: str) -> OrganizerUser | None:
    """The organizer with this email, if any."""
    return db.session.execute(
        select(OrganizerUser).where(func.lower(OrganizerUser.email) == normalize_email(email))
    ).scalar_one_or_none()


def check_password_length(password: str) -> None:
    """Raise PasswordTooShort unless the password has at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort


def create_organizer(email: str, name: str, password: str, role: str = "organizer") -> OrganizerUser:
    """Add an organizer with an argon2 hash of the password; the caller commits.

    Raises EmailTaken when the email (in any case) is in use and PasswordTooShort for a short password.
    """
    check_password_length(password)
    if find_organizer(email) is not None:
        raise EmailTaken
    organizer = OrganizerUser(
        email=normalize_email(email), name=name.strip(), password_hash=password_hasher.hash(password), role=role
    )
    db.session.add(organizer)
    db.session.flush()
    return organizer


def set_password(organizer: OrganizerUser, password: str) -> None:
    """Replace the organizer's password hash, with a new salt and so a new password_stamp; the caller commits."""
    organizer.password_hash = password_hasher.hash(password)


def salt_of(password_hash: str) -> str:
    """The salt of an encoded argon2 hash, as it is written there (unpadded base64)."""
    # $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>; hashes of argon2 1.0 have no v= part, so count from the end.
    return password_hash.rsplit("$", 2)[-2]


def password_stamp(organizer: OrganizerUser) -> str:
    """A short digest naming the password the organizer last set: a new password changes it, a rehash does not.

    It is a digest of the hash's salt, which set_password draws anew for every password and rehash keeps;
    it reveals nothing of the password.
    """
    return hashlib.sha256(salt_of(organizer.password_hash).encode()).hexdigest()[:16]


def rehash(organizer: OrganizerUser, password: str) -> None:
    """Hash the organizer's current password again with the hasher's parameters, keeping its salt; the caller commits.

    Keeping the salt keeps password_stamp, so the organizer's other sessions go on: the password is the
    same one. Only when the hasher now wants salts of another length is a new salt drawn (their sessions
    then end once).
    """
    salt = salt_of(organizer.password_hash)
    if extract_parameters(organizer.password_hash).salt_len != password_hasher.salt_len:
        set_password(organizer, password)
        return
    # The salt is this very password's own, unique to it, so reusing it gives away nothing a new one would protect.
    organizer.password_hash = password_hasher.hash(password, salt=base64.b64decode(salt + "=" * (-len(salt) % 4)))


def password_matches(organizer: OrganizerUser, password: str) -> bool:
    """Whether the password is the organizer's current one."""
    try:
        return password_hasher.verify(organizer.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(organizer: OrganizerUser, current_password: str, new_password: str) -> None:
    """Set a new password for an organizer who proved they know the current one; the caller commits.

    Raises WrongPassword, PasswordTooShort or PasswordUnchanged, in that order, and changes nothing then.
    """
    if not password_matches(organizer, current_password):
        raise WrongPassword
    check_password_length(new_password)
    if new_password == current_password:
        raise PasswordUnchanged
    set_password(organizer, new_password)


def reset_password(actor: OrganizerUser, organizer: OrganizerUser, new_password: str) -> None:
    """An admin sets a new password for an organizer who forgot theirs; the organizer's open sessions end.

    Raises OwnPassword when the admin names themselves (their own password they change giving the current
    one, which an unattended session does not know) and PasswordTooShort; changes nothing then. The caller commits.
    """
    if organizer.id == actor.id:
        raise OwnPassword
    check_password_length(new_password)
    set_password(organizer, new_password)


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
        rehash(organizer, password)
    organizer.last_login_at = utcnow()
    return organizer


def all_organizers() -> list[OrganizerUser]:
    """Every account, active ones first, by name, with the series and events each manages."""
    return list(db.session.execute(
        select(OrganizerUser)
        .options(selectinload(OrganizerUser.series), selectinload(OrganizerUser.events))
        .order_by(OrganizerUser.active.desc(), OrganizerUser.name, OrganizerUser.id)
    ).scalars())


def all_series() -> list[Series]:
    """Every series, the ones an admin can grant, by Finnish name."""
    return list(db.session.execute(select(Series).order_by(Series.name_fi, Series.id)).scalars())


def events_by_series() -> list[tuple[Series, list[Event]]]:
    """Every event an admin can grant, grouped by series (by name), the latest event first in each."""
    events = db.session.execute(
        select(Event).join(Event.series).order_by(Series.name_fi, Series.id, Event.starts_at.desc(), Event.id)
    ).scalars()
    groups: dict[int, tuple[Series, list[Event]]] = {}
    for event in events:
        groups.setdefault(event.series_id, (event.series, []))[1].append(event)
    return list(groups.values())


def grant(organizer: OrganizerUser, series_ids: list[int], event_ids: list[int]) -> bool:
    """Make the organizer manage exactly these series and single events; whether anything changed.

    Ids that name no series or event are ignored; the caller commits.
    """
    series = list(db.session.execute(select(Series).where(Series.id.in_(series_ids))).scalars())
    events = list(db.session.execute(select(Event).where(Event.id.in_(event_ids))).scalars())
    changed = {s.id for s in series} != {s.id for s in organizer.series} or (
        {e.id for e in events} != {e.id for e in organizer.events}
    )
    organizer.series = series
    organizer.events = events
    return changed


def other_active_admins(organizer: OrganizerUser) -> int:
    """How many active admins there are besides this organizer."""
    return db.session.execute(
        select(func.count()).select_from(OrganizerUser).where(
            OrganizerUser.role == "admin", OrganizerUser.active.is_(True), OrganizerUser.id != organizer.id
        )
    ).scalar_one()


def lock_admins() -> None:
    """Serialize changes that could remove the last active admin: two admins demoting each other at once must not both succeed."""
    # On PostgreSQL the second transaction waits for the first and then counts again;
    # SQLite has one writer at a time and renders no FOR UPDATE.
    db.session.execute(select(OrganizerUser.id).where(OrganizerUser.role == "admin").with_for_update()).all()


def refuse_losing_the_last_admin(actor: OrganizerUser, organizer: OrganizerUser) -> None:
    """Raise OwnAccount when the actor acts on themselves, LastActiveAdmin when no other active admin would remain."""
    if organizer.id == actor.id:
        raise OwnAccount
    if organizer.role == "admin" and organizer.active:
        lock_admins()
        if other_active_admins(organizer) == 0:
            raise LastActiveAdmin


def update_organizer(actor: OrganizerUser, organizer: OrganizerUser, email: str, name: str, role: str,
                     series_ids: list[int], event_ids: list[int]) -> list[str]:
    """Change an organizer's login address, name, role and grants as an admin; the names of what changed.

    Raises EmailTaken when another organizer has the address, and OwnAccount or LastActiveAdmin when
    the change would take the last active admin's rights or the actor's own; each changes nothing.
    The caller commits.
    """
    if role != organizer.role:
        refuse_losing_the_last_admin(actor, organizer)
    email = normalize_email(email)
    if email != organizer.email and find_organizer(email) is not None:
        raise EmailTaken
    changed = []
    if email != organizer.email:
        organizer.email = email
        changed.append("email")
    if role != organizer.role:
        organizer.role = role
        changed.append("role")
    if name.strip() != organizer.name:
        organizer.name = name.strip()
        changed.append("name")
    if grant(organizer, series_ids, event_ids):
        changed.append("grants")
    return changed


def deactivate(actor: OrganizerUser, organizer: OrganizerUser) -> bool:
    """Stop an organizer from logging in; their open session ends at its next request. Whether it changed anything.

    Raises OwnAccount or LastActiveAdmin; the caller commits.
    """
    if not organizer.active:
        return False
    refuse_losing_the_last_admin(actor, organizer)
    organizer.active = False
    return True


def reactivate(organizer: OrganizerUser) -> bool:
    """Let a deactivated organizer log in again with their password; whether it changed anything. The caller commits."""
    if organizer.active:
        return False
    organizer.active = True
    return True
