"""Resending failed mail and mailings to an event's registrants, delivered by the real outbox to a real SMTP server
(rule 5: once, with the same Message-ID; rule 8: each person in their own language)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.models import Mailing, Message, Registration
from app.models.types import utcnow
from app.organizer import messages as organizer_messages
from app.services import mailings
from app.services.composer import compose
from app.services.mailings import Audience, MailingText, preview, recipients_by_language, send_mailing
from app.services.message_log import (
    ResendRefused,
    event_message,
    failed_message_count,
    mailing_progress,
    resend,
)
from app.services.organizers import create_organizer
from app.services.outbox import BATCH_SIZE, GIVE_UP_AFTER, deliver_due
from app.services.registration import cancel_registration
from app.services.tokens import manage_token, signature
from tests.factories import make_event, make_registration
from tests.organizer.conftest import PASSWORD, english_client, log_in
from tests.test_wakeup import Tasks

TOKEN = "k" * 43
EVERYONE_CONFIRMED = Audience(statuses=("confirmed",), attended=("yes", "no", "unknown"))
TEXTS = {
    "fi": MailingText("Muutos ohjelmaan", "Hei!\nOhjelmaan tuli **uusi puhuja**.\n\nTerveisin\nUudenmaan liitto"),
    "sv": MailingText("Ändring i programmet", "Hej!\nProgrammet har en **ny talare**."),
    "en": MailingText("A change in the programme", "Hello!\nThe programme has a **new speaker**."),
}


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending through the test's SMTP server."""
    saved = {key: app.config[key] for key in smtp_server.smtp_config()}
    app.config.update(smtp_server.smtp_config())
    yield app
    app.config.update(saved)


@pytest.fixture
def sender(db):
    """The organizer who writes the mailings."""
    user = create_organizer("maija.jarjestaja@example.org", "Maija Järjestäjä", "a long enough password")
    db.session.commit()
    return user


def failed_confirmation(db, smtp_server, event=None) -> Message:
    """A confirmation the mail server refused for good (550)."""
    event = event or make_event()
    registration = make_registration(event, first_name="Åsa", last_name="Öhman", language="sv")
    message = Message(kind="confirmation", registration=registration, dedupe_key=f"r{registration.id}:confirmation")
    db.session.add(message)
    db.session.commit()
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    assert deliver_due().failed == [message.id]
    db.session.expire_all()
    assert message.status == "failed"
    return message


def test_a_resent_failed_message_keeps_its_message_id_and_is_sent_once(mail_app, db, smtp_server):
    message = failed_confirmation(db, smtp_server)
    message_id = message.message_id

    resend(message, utcnow())
    db.session.commit()
    # A second press of the button finds it queued already.
    with pytest.raises(ResendRefused):
        resend(message, utcnow())
    assert deliver_due().sent == [message.id]
    assert deliver_due().sent == []

    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == message_id
    db.session.expire_all()
    assert (message.status, message.attempts, message.message_id, message.last_error) == ("sent", 2, message_id, None)
    with pytest.raises(ResendRefused):
        resend(message, utcnow())


def test_a_resent_message_gets_a_new_day_of_retries_for_a_server_that_says_later(mail_app, db, smtp_server):
    message = failed_confirmation(db, smtp_server)
    later = utcnow() + GIVE_UP_AFTER * 3
    with time_machine.travel(later, tick=False):
        resend(message, utcnow())
        db.session.commit()
        smtp_server.refuse("451 4.7.1 Greylisted, try again later", count=1)
        assert deliver_due().retrying == [message.id]
    db.session.expire_all()
    assert (message.status, message.attempts) == ("pending", 2)
    with time_machine.travel(message.due_at + timedelta(seconds=1), tick=False):
        assert deliver_due().sent == [message.id]
    assert [mail.parsed()["Message-ID"] for mail in smtp_server.messages] == [message.message_id]


def test_a_message_that_no_longer_applies_is_not_resent(mail_app, db, smtp_server):
    message = failed_confirmation(db, smtp_server)
    cancel_registration(message.registration_id)
    db.session.commit()

    with pytest.raises(ResendRefused):
        resend(message, utcnow())
    db.session.rollback()
    db.session.expire_all()
    assert message.status == "failed"


def test_only_the_events_own_failed_messages_are_counted_and_found(mail_app, db, smtp_server):
    event, other = make_event(), make_event()
    message = failed_confirmation(db, smtp_server, event)
    failed_confirmation(db, smtp_server, other)
    sent = Message(kind="reminder", registration=make_registration(event), dedupe_key="sent-one", status="sent",
                   sent_at=utcnow())
    db.session.add(sent)
    db.session.commit()

    assert failed_message_count(event) == 1
    assert event_message(event.id, message.id) is message
    assert event_message(other.id, message.id) is None


def people_in_three_languages(event) -> dict[str, Registration]:
    """Confirmed registrants reading Finnish, Swedish and English, and some the mailing must not reach."""
    people = {
        "fi": make_registration(event, first_name="Aino", last_name="Äijälä", language="fi", email="aino@example.org"),
        "sv": make_registration(event, first_name="Björn", last_name="Åkerlund", language="sv",
                                email="bjorn@example.org"),
        "en": make_registration(event, first_name="Maria", last_name="Nyström", language="en",
                                email="maria@example.org"),
    }
    make_registration(event, language="fi", status="waitlisted", email="jono@example.org")
    purged = make_registration(event, language="fi", email="gone@example.org")
    purged.purged_at, purged.email, purged.first_name, purged.last_name = utcnow(), None, None, None
    _db.session.flush()
    return people


def test_a_mailing_sent_twice_goes_once_to_each_recipient_in_their_language(mail_app, db, smtp_server, sender):
    event = make_event(title_fi="Digituen verkostot")
    people = people_in_three_languages(event)
    db.session.commit()

    first = send_mailing(event, sender, TOKEN, TEXTS, EVERYONE_CONFIRMED)
    db.session.commit()
    again = send_mailing(event, sender, TOKEN, TEXTS, EVERYONE_CONFIRMED)
    db.session.commit()
    report = deliver_due()

    assert (first.created, again.created, again.mailing.id) == (True, False, first.mailing.id)
    assert first.mailing.recipients == 3 == len(report.sent)
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 1
    received = {mail.rcpt_tos[0]: mail.parsed() for mail in smtp_server.messages}
    assert sorted(received) == sorted(person.email for person in people.values())
    for language, person in people.items():
        mail = received[person.email]
        assert mail["Subject"] == TEXTS[language].subject
        assert mail["Content-Language"] == language
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert TEXTS[language].body.splitlines()[1] in text
        assert "<strong>" in html and "**" not in html
        assert manage_token(person) in text
    assert "<br>" in received["aino@example.org"].get_body(preferencelist=("html",)).get_content()


def test_a_language_with_recipients_needs_its_text(db, sender):
    event = make_event()
    people_in_three_languages(event)

    with pytest.raises(ValueError):
        send_mailing(event, sender, TOKEN, {"fi": TEXTS["fi"], "sv": TEXTS["sv"]}, EVERYONE_CONFIRMED)


def test_the_audience_picks_by_status_and_attendance_and_counts_each_language(db):
    event = make_event()
    make_registration(event, language="fi", attended="yes")
    make_registration(event, language="sv", attended="no")
    make_registration(event, language="sv", status="cancelled", attended="unknown")
    make_registration(event, language="en", status="waitlisted")
    make_registration(make_event(), language="fi", attended="yes")

    assert recipients_by_language(event.id, Audience(("confirmed",), ("yes", "no", "unknown"))) == \
        {"fi": 1, "sv": 1, "en": 0}
    assert recipients_by_language(event.id, Audience(("confirmed", "cancelled"), ("no", "unknown"))) == \
        {"fi": 0, "sv": 2, "en": 0}
    assert recipients_by_language(event.id, Audience(("waitlisted",), ("unknown",))) == {"fi": 0, "sv": 0, "en": 1}


def test_the_preview_is_the_mail_as_composed_for_a_recipient_and_saves_nothing(db, sender):
    event = make_event()
    people = people_in_three_languages(event)
    db.session.commit()
    rows_before = db.session.execute(select(func.count(Registration.id))).scalar()

    previews = {shown.language: shown for shown in preview(event, EVERYONE_CONFIRMED, TEXTS)}

    assert db.session.execute(select(func.count(Registration.id))).scalar() == rows_before
    assert db.session.execute(select(func.count(Message.id))).scalar() == 0
    assert not db.session.new
    send_mailing(event, sender, TOKEN, TEXTS, EVERYONE_CONFIRMED)
    db.session.commit()
    placeholder = f"{mailings.PREVIEW_TOKEN_NONCE}.{signature(mailings.PREVIEW_TOKEN_NONCE)}"
    for language, person in people.items():
        shown = previews[language]
        message = db.session.execute(select(Message).where(Message.registration_id == person.id)).scalar_one()
        real = compose(message)
        assert (shown.recipient, shown.subject) == (person.full_name, real["Subject"])
        # The same mail but for the personal links, which a preview must not show.
        assert shown.text == real.get_body(preferencelist=("plain",)).get_content().replace(
            manage_token(person), placeholder)
        real_html = real.get_body(preferencelist=("html",)).get_content()
        assert str(shown.html).replace(placeholder, manage_token(person)).strip() in real_html
        assert manage_token(person) not in shown.text and manage_token(person) not in shown.html
        assert "<strong>" in shown.html and "<body" not in shown.html and "<title>" not in shown.html


def test_a_mailing_to_more_than_a_batch_is_handed_to_the_workers_a_batch_at_a_time(db, monkeypatch, sender):
    tasks = Tasks(monkeypatch)
    event = make_event(capacity=None)
    for _ in range(BATCH_SIZE + 30):
        make_registration(event)
    db.session.commit()

    sent = send_mailing(event, sender, TOKEN, {"fi": TEXTS["fi"]}, EVERYONE_CONFIRMED)
    db.session.commit()

    rows = list(db.session.execute(select(Message.id).where(Message.mailing_id == sent.mailing.id)
                                   .order_by(Message.id)).scalars())
    assert sent.mailing.recipients == len(rows) == BATCH_SIZE + 30
    assert sorted(sum(tasks.batches, [])) == rows and len(tasks.batches) == 2


def test_the_progress_of_a_mailing_counts_its_messages_by_status(mail_app, db, smtp_server, sender):
    event = make_event()
    people_in_three_languages(event)
    db.session.commit()
    sent = send_mailing(event, sender, TOKEN, TEXTS, EVERYONE_CONFIRMED)
    db.session.commit()
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    first_id = min(message.id for message in sent.mailing.messages)
    deliver_due(ids=[first_id])

    [progress] = mailing_progress(event.id)
    assert (progress.sent, progress.waiting, progress.failed, progress.done) == (0, 2, 1, False)
    assert progress.sender == "Maija Järjestäjä"
    assert progress.subject("sv") == "Ändring i programmet"
    deliver_due()
    [progress] = mailing_progress(event.id)
    assert (progress.sent, progress.waiting, progress.failed, progress.done) == (2, 0, 1, True)


def test_the_same_form_sent_at_the_same_moment_makes_one_mailing(app, db, sender, monkeypatch):
    """Two sends of one form that both find no mailing yet: the unique token lets one through (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two connections writing at once: PostgreSQL")
    event = make_event()
    people_in_three_languages(event)
    db.session.commit()
    event_id, sender_id = event.id, sender.id
    both_looked = threading.Barrier(2, timeout=10)
    real_lookup = mailings.mailing_with_token

    def looked_up_together(*args):
        found = real_lookup(*args)
        both_looked.wait()
        return found

    monkeypatch.setattr(mailings, "mailing_with_token", looked_up_together)
    outcomes = []

    def send_in_own_session():
        from app.models import Event, OrganizerUser

        with app.app_context():
            try:
                sent = send_mailing(_db.session.get(Event, event_id), _db.session.get(OrganizerUser, sender_id),
                                    TOKEN, TEXTS, EVERYONE_CONFIRMED)
                _db.session.commit()
                outcomes.append("sent" if sent.created else "found")
            except IntegrityError:
                _db.session.rollback()
                outcomes.append("refused by the unique token")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=send_in_own_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused by the unique token", "sent"]
    assert db.session.execute(select(func.count(Message.id))).scalar() == 3


@pytest.fixture
def late_swedish_reader(app, db, monkeypatch):
    """An event whose compose page counted only Finnish readers; a Swedish one registered just after the count."""
    event = make_event()
    make_registration(event, language="fi", email="aino@example.org")
    make_registration(event, language="sv", email="bjorn@example.org")
    create_organizer("admin@example.org", "Anna Admin", PASSWORD, role="admin")
    db.session.commit()
    real_count = organizer_messages.recipients_by_language

    def counted_before_bjorn(event_id, audience):
        return {**real_count(event_id, audience), "sv": 0}

    monkeypatch.setattr(organizer_messages, "recipients_by_language", counted_before_bjorn)
    client = english_client(app)
    log_in(client, "admin@example.org")
    return event, client


def sent_form(**texts) -> dict:
    """The confirmation page's form for one person, sent."""
    return {"token": TOKEN, "statuses": ["confirmed"], "attended": ["yes", "no", "unknown"], "action": "send",
            "confirmed_count": "1", "subject_fi": "Muutos ohjelmaan", "body_fi": "Hei!", "subject_sv": "",
            "body_sv": "", "subject_en": "", "body_en": "", **texts}


def test_a_new_language_among_the_recipients_at_send_time_sends_nothing_and_asks_for_its_text(late_swedish_reader,
                                                                                               db):
    event, client = late_swedish_reader

    response = client.post(f"/organizer/events/{event.id}/mailings/new", data=sent_form())

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Nothing was sent: people registered after you looked" in page
    assert "Write the subject in Swedish. Recipients who get the Swedish version: 1." in page
    assert 'value="Muutos ohjelmaan"' in page and TOKEN in page
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0
    assert db.session.execute(select(func.count(Message.id))).scalar() == 0


def test_a_new_language_whose_text_is_written_is_told_like_a_changed_count(late_swedish_reader, db):
    event, client = late_swedish_reader

    response = client.post(f"/organizer/events/{event.id}/mailings/new",
                           data=sent_form(subject_sv="Ändring i programmet", body_sv="Hej!"))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The number of recipients changed after you looked" in page
    assert "The message goes to 2 people." in page
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0
    assert db.session.execute(select(func.count(Message.id))).scalar() == 0
