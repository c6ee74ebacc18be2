"""Secret manage tokens: a stored nonce signed with the app's secret key, still valid after the key is rotated.

The token is "<nonce>.<HMAC(SECRET_KEY, nonce)>": the database alone can neither read nor
forge it, yet a worker can put the link in any mail. A link is found by the hash of the
token issued with the registration, or, for links written after SECRET_KEY was rotated,
by its nonce and a signature under the current key; so a rotation never kills a link.
"""

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Registration

LONGEST_TOKEN = 100


def token_hash(token: str) -> str:
    """The hash under which the issued token is looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def signature(nonce: str) -> str:
    """The nonce's signature under the current secret key."""
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"manage-registration:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def manage_token(registration: Registration) -> str:
    """The registration's secret token, as it appears in its manage link."""
    return f"{registration.manage_token_nonce}.{signature(registration.manage_token_nonce)}"


def issue_manage_token(registration: Registration) -> str:
    """Give the registration a new token (any older link stops working) and return it."""
    registration.manage_token_nonce = secrets.token_hex(16)
    token = manage_token(registration)
    registration.manage_token_hash = token_hash(token)
    return token


def find_registration_by_token(token: str) -> Registration | None:
    """The registration this token opens, or None for a wrong or expired one."""
    if not token or len(token) > LONGEST_TOKEN:
        return None
    issued = db.session.execute(
        select(Registration).where(Registration.manage_token_hash == token_hash(token))
    ).scalar_one_or_none()
    if issued is not None:
        return issued
    nonce, _, signed = token.partition(".")
    if not nonce or not hmac.compare_digest(signed.encode(), signature(nonce).encode()):
        return None
    return db.session.execute(
        select(Registration).where(Registration.manage_token_nonce == nonce)
    ).scalar_one_or_none()
