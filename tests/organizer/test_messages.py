"""The message log (filters, audit, resend of failed mail), the overview's notice of failed mail, and mailings
composed, previewed, confirmed and sent once however often the form is sent."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Mailing, Message
from app.models.messages import MESSAGE_KINDS, MESSAGE_STATUSES
from app.organizer.words import MESSAGE_KIND_WORDS, MESSAGE_STATUS_WORDS
from app.models.types import utcnow
from app.services.outbox import deliver_due
from tests.factories import make_event, make_registration
from tests.organizer.conftest import table_rows

MESSAGES = "/organizer/events/{}/messages"
RESEND = "/organizer/events/{}/messages/resend"
COMPOSE = "/organizer/events/{}/mailings/new"
OVERVIEW = "/organizer/events/{}"


def audit_entries(db, action):
    """The audit log's entries of one action, oldest first."""
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)).scalars())


def outbox_row(registration, kind: str, status: str = "pending", **fields) -> Message:
    """An outbox row of the registration in the given state."""
    values = {"sent_at": utcnow()} if status == "sent" else {}
    values.update(fields)
    message = Message(kind=kind, registration=registration, dedupe_key=f"r{registration.id}:{kind}", status=status,
                      **values)
    db.session.add(message)
    return message


@pytest.fixture
def event(db):
    """An event whose mail has gone in every way: sent, failed, pending, and another event's failure."""
    event = make_event(title_fi="Digituen verkostot")
    aino = make_registration(event, first_name="Aino", last_name="Äijälä", email="aino@example.org")
    bjorn = make_registration(event, first_name="Björn", last_name="Åkerlund", email="bjorn@example.org",
                              language="sv")
    outbox_row(aino, "confirmation", "sent", attempts=1)
    outbox_row(bjorn, "confirmation", "failed", attempts=1, last_error="550 5.1.1 No such user")
    outbox_row(aino, "reminder", "pending", due_at=utcnow() + timedelta(days=1))
    other = make_event()
    outbox_row(make_registration(other, email="other@example.org"), "confirmation", "failed")
    db.session.commit()
    return event


def failed_row(db, event) -> Message:
    """The event's failed message."""
    return db.session.execute(
        select(Message).where(Message.status == "failed", Message.registration.has(event_id=event.id))
    ).scalar_one()


def test_the_log_shows_every_email_of_the_event_with_its_state_and_audits_the_look(logged_in_admin, db, event):
    response = logged_in_admin.get(MESSAGES.format(event.id))

    assert response.status_code == 200
    rows = table_rows(response)
    assert len(rows) == 3
    by_recipient = {(" ".join(row[0].split()), row[1]): row for row in rows}
    failed = by_recipient[("Björn Åkerlund bjorn@example.org", "Registration confirmation")]
    assert failed[2:5] == ["Failed", "1", "550 5.1.1 No such user"]
    assert failed[-1] == "Send again"
    assert by_recipient[("Aino Äijälä aino@example.org", "Reminder")][2] == "Waiting to be sent"
    assert "other@example.org" not in response.get_data(as_text=True)
    [entry] = audit_entries(db, "messages_viewed")
    assert (entry.event_id, entry.detail["rows"], entry.detail["total"]) == (event.id, 3, 3)


@pytest.mark.parametrize(("query", "expected"), [
    ("status=failed", {"bjorn@example.org"}),
    ("kind=reminder", {"aino@example.org"}),
    ("kind=confirmation&status=sent", {"aino@example.org"}),
    ("q=%C3%85KERLUND", {"bjorn@example.org"}),
    ("q=aino%40example", {"aino@example.org"}),
    ("kind=announcement", set()),
])
def test_the_log_filters_by_kind_status_and_recipient(logged_in_admin, db, event, query, expected):
    response = logged_in_admin.get(MESSAGES.format(event.id) + "?" + query)

    assert response.status_code == 200
    found = {row[0].split()[-1] for row in table_rows(response) if "@" in row[0]}
    assert found == expected
    [entry] = audit_entries(db, "messages_viewed")
    assert "search" not in query or entry.detail["filters"] == {"search": True}


def test_a_filter_value_not_offered_is_refused_with_a_sentence(logged_in_admin, db, event):
    response = logged_in_admin.get(MESSAGES.format(event.id) + "?status=lost")

    assert response.status_code == 400
    assert "Choose a status from the list." in response.get_data(as_text=True)
    assert audit_entries(db, "messages_viewed") == []


def test_a_resend_of_a_failed_message_pressed_twice_queues_it_once_and_it_goes_with_its_message_id(
        app, logged_in_admin, db, event, smtp_server):
    app.config.update(smtp_server.smtp_config())
    message = failed_row(db, event)
    message_id = message.message_id

    first = logged_in_admin.post(RESEND.format(event.id), data={"message": message.id}, follow_redirects=True)
    second = logged_in_admin.post(RESEND.format(event.id), data={"message": message.id}, follow_redirects=True)

    assert "The message to bjorn@example.org is sent again in a moment." in first.get_data(as_text=True)
    assert "Only a message that failed can be sent again." in second.get_data(as_text=True)
    db.session.expire_all()
    assert (message.status, message.message_id) == ("pending", message_id)
    assert len(audit_entries(db, "message_resent")) == 1
    assert deliver_due().sent == [message.id]
    assert deliver_due().sent == []
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == message_id
    assert received.rcpt_tos == ["bjorn@example.org"]


def test_only_a_failed_message_of_this_event_can_be_resent(logged_in_admin, db, event):
    sent = db.session.execute(select(Message).where(Message.status == "sent")).scalar_one()
    others = db.session.execute(
        select(Message).where(Message.status == "failed", Message.registration.has(event_id=event.id + 1))
    ).scalar_one()

    assert logged_in_admin.post(RESEND.format(event.id), data={"message": others.id}).status_code == 404
    assert logged_in_admin.post(RESEND.format(event.id), data={"message": "x"}).status_code == 400
    assert logged_in_admin.post(RESEND.format(event.id), data={}).status_code == 400
    refused = logged_in_admin.post(RESEND.format(event.id), data={"message": sent.id}, follow_redirects=True)
    assert "Only a message that failed can be sent again." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (others.status, sent.status) == ("failed", "sent")
    assert audit_entries(db, "message_resent") == []


def test_the_overview_tells_of_failed_messages_and_links_to_them(logged_in_admin, db, event):
    page = logged_in_admin.get(OVERVIEW.format(event.id)).get_data(as_text=True)

    assert "1 email to a registrant could not be delivered." in page
    assert f'href="/organizer/events/{event.id}/messages?status=failed"' in page
    failed_row(db, event).status = "cancelled"
    db.session.commit()
    assert "could not be delivered" not in logged_in_admin.get(OVERVIEW.format(event.id)).get_data(as_text=True)


def test_survey_reminders_are_counted_not_listed_except_a_failed_one_that_can_be_sent_again(logged_in_admin, db, event):
    # A reminder is written for those who had not answered and cancelled for whoever answered before it went:
    # listed by name, the rows would tell who answered the survey.
    for status in ("pending", "cancelled", "sent", "failed"):
        person = make_registration(event, first_name="Vastaaja", last_name=status.title(), email=f"{status}@example.org")
        outbox_row(person, "survey_reminder", status)
    db.session.commit()
    for query, failed_shown in [("", True), ("kind=survey_reminder", True), ("status=cancelled", False),
                                ("status=pending", False), ("status=sent", False), ("status=failed", True),
                                ("q=Vastaaja", True), ("q=cancelled%40example.org", False)]:
        response = logged_in_admin.get(MESSAGES.format(event.id) + "?" + query)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        listed = " ".join(row[0] for row in table_rows(response))
        assert not any(f"{status}@example.org" in listed for status in ("pending", "cancelled", "sent"))
        assert not any(f"Vastaaja {status.title()}" in html for status in ("pending", "cancelled", "sent"))
        rows = [row for row in table_rows(response) if "failed@example.org" in row[0]]
        assert len(rows) == failed_shown
        if failed_shown:
            assert rows[0][1:3] == ["Feedback survey reminder", "Failed"] and rows[0][-1] == "Send again"
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert "Survey reminders: 4 planned, 1 sent." in text
    assert "Survey reminders" not in logged_in_admin.get(MESSAGES.format(event.id + 1)).get_data(as_text=True)


# --- Mailings ---

@pytest.fixture
def audience_event(db):
    """Confirmed registrants in Finnish (two, one attended) and Swedish, one waitlisted English reader."""
    event = make_event(title_fi="Digituen verkostot")
    make_registration(event, first_name="Aino", email="aino@example.org", language="fi", attended="yes")
    make_registration(event, first_name="Pekka", email="pekka@example.org", language="fi", attended="no")
    make_registration(event, first_name="Björn", email="bjorn@example.org", language="sv")
    make_registration(event, first_name="Maria", email="maria@example.org", language="en", status="waitlisted")
    db.session.commit()
    return event


def token_of(page: str) -> str:
    """The compose form's token."""
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def form_data(token: str, **changes) -> dict:
    """A filled compose form for the confirmed registrants, Finnish and Swedish texts."""
    data = {
        "token": token, "statuses": ["confirmed"], "attended": ["yes", "no", "unknown"],
        "subject_fi": "Muutos ohjelmaan", "body_fi": "Hei!\r\nUusi **puhuja**.",
        "subject_sv": "Ändring i programmet", "body_sv": "Hej!\r\nEn ny **talare**.",
        "subject_en": "", "body_en": "",
    }
    data.update(changes)
    return data


def test_the_compose_page_counts_the_recipients_per_language(logged_in_admin, audience_event):
    page = logged_in_admin.get(COMPOSE.format(audience_event.id)).get_data(as_text=True)

    assert "These choices reach 3 people:" in page
    assert "Finnish: 2" in page and "Swedish: 1" in page and "English: 0" in page
    assert len(token_of(page)) >= 32


def test_a_line_break_in_a_subject_is_refused_so_no_header_can_be_added(logged_in_admin, db, audience_event):
    token = token_of(logged_in_admin.get(COMPOSE.format(audience_event.id)).get_data(as_text=True))

    response = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data(
        token, subject_fi="Muutos\r\nBcc: everyone@example.org", action="send", confirmed_count="3"))

    assert response.status_code == 400
    assert "Use only letters, numbers and punctuation, on one line." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0
    assert db.session.execute(select(func.count(Message.id)).where(Message.kind == "announcement")).scalar() == 0


def test_a_language_with_recipients_needs_its_texts_and_nothing_is_saved(logged_in_admin, db, audience_event):
    token = token_of(logged_in_admin.get(COMPOSE.format(audience_event.id)).get_data(as_text=True))

    response = logged_in_admin.post(COMPOSE.format(audience_event.id),
                                    data=form_data(token, subject_sv="", body_sv="", action="send",
                                                   confirmed_count="3"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write the subject in Swedish. Recipients who get the Swedish version: 1." in page
    assert "Write the message in Swedish. Recipients who get the Swedish version: 1." in page
    assert "Write the subject in Finnish" not in page and "in English" not in page.split("<form")[0]
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0


def test_an_audience_nobody_matches_is_refused(logged_in_admin, db, audience_event):
    response = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data(
        "t" * 43, statuses=["cancelled"], action="review"))

    assert response.status_code == 400
    assert "Nobody matches these choices." in response.get_data(as_text=True)
    empty = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data("t" * 43, statuses=[]))
    assert empty.status_code == 400
    assert "Choose at least one registration status." in empty.get_data(as_text=True)


def test_the_preview_shows_each_language_version_as_composed(logged_in_admin, db, audience_event):
    response = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data("t" * 43, action="preview"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Finnish version, as Aino" in page and "Swedish version, as Björn" in page
    assert "English version" not in page
    assert "Hei Aino," in page and "Hej Björn," in page
    assert "Uusi <strong>puhuja</strong>." in page
    assert "Uusi **puhuja**." in page  # the text part, as typed
    assert db.session.execute(select(func.count(Message.id))).scalar() == 0


def test_the_confirmation_states_how_many_get_it_and_a_double_send_goes_once(logged_in_admin, db, audience_event):
    token = token_of(logged_in_admin.get(COMPOSE.format(audience_event.id)).get_data(as_text=True))
    review = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data(token, action="review"))
    assert review.status_code == 200
    assert "The message goes to 3 people." in review.get_data(as_text=True)
    assert 'name="confirmed_count" value="3"' in review.get_data(as_text=True)

    sends = [logged_in_admin.post(COMPOSE.format(audience_event.id),
                                  data=form_data(token, action="send", confirmed_count="3"), follow_redirects=True)
             for _ in range(2)]

    assert "The message is on its way to 3 people." in sends[0].get_data(as_text=True)
    assert "This message was already sent. It was not sent again." in sends[1].get_data(as_text=True)
    [mailing] = db.session.execute(select(Mailing)).scalars()
    assert mailing.recipients == 3
    assert mailing.audience == {"statuses": ["confirmed"], "attended": ["yes", "no", "unknown"]}
    assert set(mailing.texts) == {"fi", "sv"}
    rows = db.session.execute(select(Message).where(Message.mailing_id == mailing.id)).scalars().all()
    assert sorted((row.registration.email, row.subject) for row in rows) == [
        ("aino@example.org", "Muutos ohjelmaan"), ("bjorn@example.org", "Ändring i programmet"),
        ("pekka@example.org", "Muutos ohjelmaan")]
    [entry] = audit_entries(db, "mailing_sent")
    assert entry.detail == {"mailing": mailing.id, "recipients": 3, "languages": ["fi", "sv"]}
    log = logged_in_admin.get(MESSAGES.format(audience_event.id))
    assert ["Muutos ohjelmaan"] == [row[0] for row in table_rows(log) if row[0] == "Muutos ohjelmaan"]


def test_a_changed_number_of_recipients_is_told_before_anything_is_sent(logged_in_admin, db, audience_event):
    token = "c" * 43
    make_registration(audience_event, email="late@example.org", language="fi")
    db.session.commit()

    response = logged_in_admin.post(COMPOSE.format(audience_event.id),
                                    data=form_data(token, action="send", confirmed_count="3"))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The number of recipients changed after you looked" in page
    assert "The message goes to 4 people." in page
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0


def test_back_to_editing_keeps_the_texts_and_the_token(logged_in_admin, db, audience_event):
    response = logged_in_admin.post(COMPOSE.format(audience_event.id), data=form_data("e" * 43, action="edit"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "e" * 43 in page and "Muutos ohjelmaan" in page and "Hej!\r\nEn ny **talare**." in page.replace(
        "&#13;", "\r")
    assert db.session.execute(select(func.count(Mailing.id))).scalar() == 0


def test_every_kind_and_status_of_mail_has_its_word_in_the_log():
    assert set(MESSAGE_KIND_WORDS) == set(MESSAGE_KINDS)
    assert set(MESSAGE_STATUS_WORDS) == set(MESSAGE_STATUSES)
