"""drop message.event_revision: written, never read (an invite's SEQUENCE is the event's revision when composed)

Revision ID: 5b1d0c7e9a42
Revises: 5b2f0c1d7a31
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1d0c7e9a42'
down_revision = '5b2f0c1d7a31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('event_revision')


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_revision', sa.Integer(), nullable=True))
