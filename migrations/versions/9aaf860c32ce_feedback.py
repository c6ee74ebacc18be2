"""feedback surveys: answers through the public link counted apart with a per-browser guard; the survey reminder mail

Revision ID: 9aaf860c32ce
Revises: 8bcc61a72dad
Create Date: 2026-11-27 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9aaf860c32ce'
down_revision = '8bcc61a72dad'
branch_labels = None
depends_on = None

KINDS_BEFORE = ('confirmation', 'waitlisted', 'promoted', 'already_registered', 'registration_cancelled',
                'event_updated', 'event_cancelled', 'reminder', 'followup', 'announcement')
KINDS_AFTER = ('confirmation', 'waitlisted', 'promoted', 'already_registered', 'registration_cancelled',
               'event_updated', 'event_cancelled', 'reminder', 'followup', 'survey_reminder', 'announcement')


def kind_check(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via_public_link', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('browser_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_feedback_response_browser_once', ['form_id', 'browser_key_hash'])
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_message_kind'), type_='check')
        batch_op.create_check_constraint('kind', kind_check(KINDS_AFTER))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_message_kind'), type_='check')
        batch_op.create_check_constraint('kind', kind_check(KINDS_BEFORE))
    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.drop_constraint('uq_feedback_response_browser_once', type_='unique')
        batch_op.drop_column('browser_key_hash')
        batch_op.drop_column('via_public_link')
