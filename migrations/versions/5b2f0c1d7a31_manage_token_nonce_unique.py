"""Manage-token nonces are unique: links signed after a key rotation are found by their nonce.

Revision ID: 5b2f0c1d7a31
Revises: 310e20939105
Create Date: 2026-11-27
"""

from alembic import op

revision = "5b2f0c1d7a31"
down_revision = "310e20939105"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_registration_manage_token_nonce"), ["manage_token_nonce"])


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registration_manage_token_nonce"), type_="unique")
