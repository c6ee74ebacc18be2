"""initial schema

Revision ID: 310e20939105
Revises: 
Create Date: 2026-11-21 12:04:47.642571

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '310e20939105'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('heartbeat',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_heartbeat'))
    )
    op.create_table('municipality',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('name_fi', sa.String(length=100), nullable=False),
    sa.Column('name_sv', sa.String(length=100), nullable=False),
    sa.Column('bilingual', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipality'))
    )
    op.create_table('organizer_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'organizer')", name=op.f('ck_organizer_user_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizer_user')),
    sa.UniqueConstraint('email', name=op.f('uq_organizer_user_email'))
    )
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name_fi', sa.String(length=200), nullable=False),
    sa.Column('name_sv', sa.String(length=200), nullable=True),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('description_fi', sa.Text(), nullable=False),
    sa.Column('description_sv', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('slug', name=op.f('uq_series_slug'))
    )
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('host_municipality_code', sa.String(length=3), nullable=True),
    sa.Column('title_fi', sa.String(length=300), nullable=False),
    sa.Column('title_sv', sa.String(length=300), nullable=True),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('description_fi', sa.Text(), nullable=False),
    sa.Column('description_sv', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('waitlist_enabled', sa.Boolean(), nullable=False),
    sa.Column('join_url', sa.String(length=1000), nullable=True),
    sa.Column('recording_url', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('ical_uid', sa.String(length=200), nullable=False),
    sa.Column('reminder_offsets', sa.JSON(), nullable=False),
    sa.Column('followup_delay_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'cancelled')", name=op.f('ck_event_status')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_event_capacity_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_event_ends_after_start')),
    sa.CheckConstraint('followup_delay_minutes >= 0', name=op.f('ck_event_followup_delay_not_negative')),
    sa.CheckConstraint('registration_closes_at IS NULL OR registration_opens_at IS NULL OR registration_closes_at > registration_opens_at', name=op.f('ck_event_registration_closes_after_opening')),
    sa.CheckConstraint('revision >= 0', name=op.f('ck_event_revision_not_negative')),
    sa.ForeignKeyConstraint(['host_municipality_code'], ['municipality.code'], name=op.f('fk_event_host_municipality_code_municipality'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_event_series_id_series'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_event_ical_uid')),
    sa.UniqueConstraint('slug', name=op.f('uq_event_slug'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_status'), ['status'], unique=False)

    op.create_table('organizer_series',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_organizer_series_series_id_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['organizer_user.id'], name=op.f('fk_organizer_series_user_id_organizer_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'series_id', name=op.f('pk_organizer_series'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_audit_entry_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['organizer_user.id'], name=op.f('fk_audit_entry_user_id_organizer_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_event_id'), ['event_id'], unique=False)

    op.create_table('contact_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('organization', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_contact_person_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_person'))
    )
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_person_event_id'), ['event_id'], unique=False)

    op.create_table('feedback_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_token', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_feedback_form_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_form')),
    sa.UniqueConstraint('event_id', name=op.f('uq_feedback_form_event_id')),
    sa.UniqueConstraint('public_token', name=op.f('uq_feedback_form_public_token'))
    )
    op.create_table('organizer_events',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_organizer_events_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['organizer_user.id'], name=op.f('fk_organizer_events_user_id_organizer_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event_id', name=op.f('pk_organizer_events'))
    )
    op.create_table('programme_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title_fi', sa.String(length=300), nullable=False),
    sa.Column('title_sv', sa.String(length=300), nullable=True),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.CheckConstraint("kind IN ('talk', 'panel', 'break')", name=op.f('ck_programme_item_kind')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_programme_item_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_item'))
    )
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_item_event_id'), ['event_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('municipality_code', sa.String(length=3), nullable=True),
    sa.Column('organization', sa.String(length=200), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('questions', sa.Text(), nullable=True),
    sa.Column('accessibility_needs', sa.Text(), nullable=True),
    sa.Column('privacy_notice_version', sa.String(length=40), nullable=False),
    sa.Column('privacy_consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('future_events_consent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attended', sa.String(length=7), nullable=False),
    sa.Column('manage_token_nonce', sa.String(length=32), nullable=True),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("attended IN ('yes', 'no', 'unknown')", name=op.f('ck_registration_attended')),
    sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name=op.f('ck_registration_language')),
    sa.CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name=op.f('ck_registration_status')),
    sa.CheckConstraint('municipality_code IS NULL OR organization IS NULL', name=op.f('ck_registration_municipality_or_organization')),
    sa.CheckConstraint('purged_at IS NOT NULL OR (email IS NOT NULL AND first_name IS NOT NULL AND last_name IS NOT NULL AND manage_token_hash IS NOT NULL AND manage_token_nonce IS NOT NULL AND (municipality_code IS NOT NULL OR organization IS NOT NULL))', name=op.f('ck_registration_personal_data_until_purged')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_registration_municipality_code_municipality'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('manage_token_hash', name=op.f('uq_registration_manage_token_hash'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_status_created', ['event_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index('uq_registration_active_email', ['event_id', 'email'], unique=True, sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"), postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"))

    op.create_table('feedback_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text_fi', sa.Text(), nullable=False),
    sa.Column('text_sv', sa.Text(), nullable=True),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('rating', 'nps', 'single_choice', 'multiple_choice', 'text', 'programme_rating')", name=op.f('ck_feedback_question_kind')),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_form.id'], name=op.f('fk_feedback_question_form_id_feedback_form'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_question'))
    )
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_question_form_id'), ['form_id'], unique=False)

    op.create_table('feedback_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('municipality_code', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_form.id'], name=op.f('fk_feedback_response_form_id_feedback_form'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_feedback_response_municipality_code_municipality')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_feedback_response_registration_id_registration'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_response')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_feedback_response_registration_id'))
    )
    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_response_form_id'), ['form_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('event_revision', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('confirmation', 'waitlisted', 'promoted', 'already_registered', 'registration_cancelled', 'event_updated', 'event_cancelled', 'reminder', 'followup', 'announcement')", name=op.f('ck_message_kind')),
    sa.CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name=op.f('ck_message_sent_has_time')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_message_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_message_attempts_not_negative')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_message_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_message_dedupe_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_message_message_id'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index('ix_message_status_due', ['status', 'due_at'], unique=False)

    op.create_table('speaker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('organization', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['programme_item_id'], ['programme_item.id'], name=op.f('fk_speaker_programme_item_id_programme_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker'))
    )
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_programme_item_id'), ['programme_item_id'], unique=False)

    op.create_table('feedback_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('programme_item_id', sa.Integer(), nullable=True),
    sa.Column('value_int', sa.Integer(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.CheckConstraint('value_int IS NOT NULL OR value_text IS NOT NULL OR choices IS NOT NULL', name=op.f('ck_feedback_answer_has_value')),
    sa.ForeignKeyConstraint(['programme_item_id'], ['programme_item.id'], name=op.f('fk_feedback_answer_programme_item_id_programme_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['feedback_question.id'], name=op.f('fk_feedback_answer_question_id_feedback_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['feedback_response.id'], name=op.f('fk_feedback_answer_response_id_feedback_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answer')),
    sa.UniqueConstraint('response_id', 'question_id', 'programme_item_id', name='uq_feedback_answer_once')
    )
    with op.batch_alter_table('feedback_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answer_response_id'), ['response_id'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answer_response_id'))

    op.drop_table('feedback_answer')
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_programme_item_id'))

    op.drop_table('speaker')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_status_due')
        batch_op.drop_index(batch_op.f('ix_message_registration_id'))

    op.drop_table('message')
    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_response_form_id'))

    op.drop_table('feedback_response')
    with op.batch_alter_table('feedback_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_question_form_id'))

    op.drop_table('feedback_question')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_active_email', sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"), postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"))
        batch_op.drop_index(batch_op.f('ix_registration_municipality_code'))
        batch_op.drop_index('ix_registration_event_status_created')

    op.drop_table('registration')
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_item_event_id'))

    op.drop_table('programme_item')
    op.drop_table('organizer_events')
    op.drop_table('feedback_form')
    with op.batch_alter_table('contact_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_person_event_id'))

    op.drop_table('contact_person')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_event_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))

    op.drop_table('audit_entry')
    op.drop_table('organizer_series')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_status'))
        batch_op.drop_index(batch_op.f('ix_event_series_id'))

    op.drop_table('event')
    op.drop_table('series')
    op.drop_table('organizer_user')
    op.drop_table('municipality')
    op.drop_table('heartbeat')
