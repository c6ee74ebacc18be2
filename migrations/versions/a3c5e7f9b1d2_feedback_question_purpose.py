"""feedback_question.purpose: what the results read a question as (overall rating, recommendation, future topics), whatever its wording

Revision ID: a3c5e7f9b1d2
Revises: 9aaf860c32ce
Create Date: 2026-11-27 13:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b1d2'
down_revision = '9aaf860c32ce'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            'purpose', "purpose IS NULL OR purpose IN ('overall', 'recommendation', 'future_topics')")


def downgrade():
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feedback_question_purpose'), type_='check')
        batch_op.drop_column('purpose')
