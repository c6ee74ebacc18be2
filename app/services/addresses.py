"""Email addresses as the service stores and compares them."""

import hashlib

from email_validator import EmailNotValidError, validate_email


def normalized_email(value: str) -> str:
    """The address as stored: validated, normalized, lower-cased; raises EmailNotValidError."""
    return validate_email(value.strip(), check_deliverability=False).normalized.lower()


def email_key(value: str) -> str:
    """A stand-in for a typed address in rate-limit keys: every spelling of it gives the same hash, and no address is kept."""
    try:
        address = normalized_email(value)
    except EmailNotValidError:
        address = value.strip().lower()
    return hashlib.sha256(address.encode()).hexdigest()
