"""Secret manage tokens: derived from a stored nonce with the app's secret, found by their hash."""

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Registration


def token_hash(token: str) -> str:
    """The hash under which a token is looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def manage_token(registration: Registration) -> str:
    """The registration's secret token, as it appears in its manage link."""
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        f"manage-registration:{registration.manage_token_nonce}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_manage_token(registration: Registration) -> str:
    """Give the registration a new token (any older link stops working) and return it."""
    registration.manage_token_nonce = secrets.token_hex(16)
    token = manage_token(registration)
    registration.manage_token_hash = token_hash(token)
    return token


def find_registration_by_token(token: str) -> Registration | None:
    """The registration this token opens, or None for a wrong or expired one."""
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Registration).where(Registration.manage_token_hash == token_hash(token))
    ).scalar_one_or_none()
