"""event.confirmed_count: the confirmed registrations, kept under the event's lock, so a sign-up costs the same at any size

Revision ID: c4d6e8f0a2b3
Revises: a3c5e7f9b1d2
Create Date: 2026-11-27 13:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d6e8f0a2b3'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('confirmed_count_not_negative', 'confirmed_count >= 0')
    op.execute(
        "UPDATE event SET confirmed_count = (SELECT count(*) FROM registration"
        " WHERE registration.event_id = event.id AND registration.status = 'confirmed')"
    )


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_confirmed_count_not_negative'), type_='check')
        batch_op.drop_column('confirmed_count')
