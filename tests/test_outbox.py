"""Outbox delivery against a real SMTP server: once, retried when it may help, never lost (rules 4-5)."""

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, select, text, update

from app.models import Message
from app.models.types import utcnow
from app.services.composer import compose
from app.services.events import cancel_event, update_event_logistics
from app.services.outbox import (
    CLAIM_TIMEOUT,
    FIRST_SERVER_RETRY,
    LONGEST_SERVER_RETRY,
    claim,
    deliver_claimed,
    deliver_due,
    retry_delay,
    still_wanted,
)
from app.services.planning import plan_reminders
from app.services.queue import queue_message
from app.services.registration import Applicant, cancel_registration, register
from app.services.transport import SMTPMailer
from tests.factories import make_event, make_municipality
from tests.smtp_server import SMTPTestServer, free_loopback_port


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending through the test's SMTP server."""
    saved = {key: app.config[key] for key in smtp_server.smtp_config()}
    app.config.update(smtp_server.smtp_config())
    yield app
    app.config.update(saved)


def confirmations(db, count: int) -> list[Message]:
    """Register `count` people for a new event; returns their confirmation rows."""
    make_municipality()
    event = make_event(capacity=None)
    for n in range(count):
        register(event.id, Applicant(email=f"p{n}@example.org", first_name="Åsa", last_name=f"Öhman{n}",
                                     language="sv", municipality_code="092"), "2026-11")
    db.session.commit()
    return list(db.session.execute(select(Message).order_by(Message.id)).scalars())


def test_due_messages_go_out_once_over_one_connection(mail_app, db, smtp_server):
    rows = confirmations(db, 5)
    report = deliver_due()
    assert sorted(report.sent) == [m.id for m in rows]
    assert len(smtp_server.messages) == 5
    assert len(smtp_server.connections) == 1
    db.session.expire_all()
    assert {m.status for m in rows} == {"sent"}
    assert all(m.sent_at is not None and m.attempts == 1 for m in rows)
    received_ids = {mail.parsed()["Message-ID"] for mail in smtp_server.messages}
    assert received_ids == {m.message_id for m in rows}
    assert deliver_due().sent == []
    assert len(smtp_server.messages) == 5


def test_transient_refusal_is_retried_later_with_the_same_message_id(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("451 4.3.0 Try again later", count=1)
    report = deliver_due()
    assert report.retrying == [row.id]
    db.session.expire_all()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    assert row.due_at > utcnow()
    assert deliver_due().sent == []  # not due yet
    with time_machine.travel(row.due_at + timedelta(seconds=1), tick=False):
        assert deliver_due().sent == [row.id]
    db.session.expire_all()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == row.message_id


def test_permanent_refusal_marks_the_message_failed_and_nothing_is_resent(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    assert deliver_due().failed == [row.id]
    db.session.expire_all()
    assert row.status == "failed" and "550" in row.last_error
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        assert deliver_due().sent == []
    assert smtp_server.messages == []


def test_refusal_at_data_is_classified_by_its_code_too(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("554 5.6.0 Message rejected", count=1, at="DATA")
    assert deliver_due().failed == [row.id]


def test_one_refused_message_does_not_hold_up_the_rest_of_the_batch(mail_app, db, smtp_server):
    rows = confirmations(db, 3)
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    report = deliver_due()
    assert report.failed == [rows[0].id]
    assert sorted(report.sent) == [rows[1].id, rows[2].id]


def server_trouble(db, caplog, mail_config: dict, count: int = 2):
    """Confirmations delivered while the mail server is in trouble; returns the rows and the report."""
    rows = confirmations(db, count)
    with caplog.at_level(logging.WARNING, logger="app.services.outbox"):
        report = deliver_due()
    db.session.expire_all()
    return rows, report


@pytest.fixture
def smtp_settings(app):
    """Set SMTP settings for one test, as the environment would."""
    saved = dict(app.config)

    def apply(**settings):
        app.config.update(settings)

    yield apply
    app.config.clear()
    app.config.update(saved)


@pytest.mark.parametrize("trouble", ["closed port", "554 greeting", "535 login", "no STARTTLS"])
def test_a_mail_server_that_cannot_be_used_fails_no_message_and_counts_no_attempt(
        db, caplog, smtp_settings, trouble):
    with SMTPTestServer(refuse_logins=trouble == "535 login") as server:
        settings = server.smtp_config()
        if trouble == "closed port":
            settings["SMTP_PORT"] = free_loopback_port()
        elif trouble == "554 greeting":
            server.handler.greeting_refusal = "554 5.3.2 Not accepting mail now"
        elif trouble == "535 login":
            settings.update(SMTP_USER="kuntatutor", SMTP_PASSWORD="changed-yesterday")
        else:
            settings["SMTP_STARTTLS"] = True
        smtp_settings(**settings)
        started = utcnow()
        rows, report = server_trouble(db, caplog, settings)
        assert server.messages == []

    assert sorted(report.waiting) == [m.id for m in rows]
    assert report.failed == report.retrying == []
    assert {(m.status, m.attempts, m.last_error) for m in rows} == {("pending", 0, None)}
    assert all(m.due_at >= started + FIRST_SERVER_RETRY for m in rows)
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"127.0.0.1:{settings['SMTP_PORT']}" in logged.getMessage()
    assert "@example.org" not in caplog.text
    if trouble in ("554 greeting", "535 login"):
        assert trouble[:3] in logged.getMessage()


def test_while_the_server_stays_down_each_message_waits_longer_and_then_goes_once(db, smtp_settings):
    with SMTPTestServer() as server:
        smtp_settings(**server.smtp_config())
        server.handler.greeting_refusal = "421 4.3.2 Down for maintenance"
        [row] = confirmations(db, 1)
        moment, waits = utcnow(), []
        for _ in range(6):
            with time_machine.travel(moment, tick=False):
                assert deliver_due().waiting == [row.id]
            db.session.expire_all()
            waits.append(row.due_at - moment)
            moment = row.due_at + timedelta(seconds=1)
        server.handler.greeting_refusal = None
        with time_machine.travel(moment, tick=False):
            assert deliver_due().sent == [row.id]
        assert len(server.messages) == 1
    assert waits == sorted(waits) and waits[0] < waits[-1] <= LONGEST_SERVER_RETRY
    db.session.expire_all()
    assert (row.status, row.attempts) == ("sent", 1)


def deliver_until_failed(db, row: Message, tries: int):
    """Deliver at each time the row falls due again, until it is failed or `tries` ran out; returns the last time."""
    moment = utcnow()
    for _ in range(tries):
        with time_machine.travel(moment, tick=False):
            deliver_due()
        db.session.expire_all()
        if row.status == "failed":
            break
        moment = row.due_at + timedelta(seconds=1)
    return moment


def test_a_server_down_for_a_day_fails_the_messages_so_organizers_see_them(db, smtp_settings):
    with SMTPTestServer() as server:
        smtp_settings(**server.smtp_config())
        server.handler.greeting_refusal = "421 4.3.2 Down for maintenance"
        [row] = confirmations(db, 1)
        moment = deliver_until_failed(db, row, tries=200)
    assert (row.status, row.attempts) == ("failed", 0)
    assert "421" in row.last_error
    assert timedelta(hours=23) < moment - row.created_at <= timedelta(hours=25)


def test_a_password_the_server_cannot_be_sent_is_the_servers_trouble_not_the_messages(db, smtp_settings):
    with SMTPTestServer(refuse_logins=True) as server:
        smtp_settings(**{**server.smtp_config(), "SMTP_USER": "kuntatutor", "SMTP_PASSWORD": "salasana-äö"})
        rows = confirmations(db, 2)
        report = deliver_due()
    assert sorted(report.waiting) == [m.id for m in rows]
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in rows} == {("pending", 0)}


def test_a_421_closing_the_connection_charges_only_the_message_it_answered(mail_app, db, smtp_server):
    rows = confirmations(db, 3)
    smtp_server.refuse("421 4.3.2 Closing the connection", count=1)
    report = deliver_due()
    db.session.expire_all()
    assert report.retrying == [rows[0].id]
    assert [(m.status, m.attempts) for m in rows[1:]] == [("pending", 0), ("pending", 0)]


def test_a_message_too_large_for_the_server_fails_alone_and_the_server_is_not_backed_off(db, smtp_settings):
    with SMTPTestServer(size_limit=1000) as server:
        smtp_settings(**server.smtp_config())
        rows = confirmations(db, 2)
        report = deliver_due()
    assert report.waiting == []
    assert sorted(report.failed) == [m.id for m in rows]
    db.session.expire_all()
    assert all("552" in m.last_error for m in rows)


def test_a_mailing_stops_trying_batches_once_the_server_is_found_down(db, smtp_settings, monkeypatch):
    monkeypatch.setattr("app.services.outbox.BATCH_SIZE", 2)
    smtp_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=free_loopback_port(), SMTP_TIMEOUT=2)
    rows = confirmations(db, 5)
    report = deliver_due()
    assert len(report.waiting) == 2
    db.session.expire_all()
    assert sorted(m.status for m in rows) == ["pending"] * 5


def test_an_address_the_server_cannot_carry_fails_alone_and_the_batch_goes_on(db, smtp_settings):
    make_municipality()
    event = make_event(capacity=None)
    for email in ("eka@example.org", "pää@esimerkki.fi", "toka@example.org"):
        register(event.id, Applicant(email=email, first_name="Pää", last_name="Käyttäjä", language="fi",
                                     municipality_code="092"), "2026-11")
    db.session.commit()
    rows = list(db.session.execute(select(Message).order_by(Message.id)).scalars())
    with SMTPTestServer(smtputf8=False) as server:
        smtp_settings(**server.smtp_config())
        report = deliver_due()
        assert sorted(rcpt for mail in server.messages for rcpt in mail.rcpt_tos) == [
            "eka@example.org", "toka@example.org"]
        assert len(server.connections) == 1
    assert report.failed == [rows[1].id]
    db.session.expire_all()
    assert rows[1].status == "failed" and "SMTPUTF8" in rows[1].last_error


def test_an_address_with_non_ascii_letters_goes_with_smtputf8(db, smtp_settings):
    make_municipality()
    event = make_event(capacity=None)
    register(event.id, Applicant(email="pää@esimerkki.fi", first_name="Pää", last_name="Käyttäjä", language="fi",
                                 municipality_code="092"), "2026-11")
    db.session.commit()
    with SMTPTestServer(smtputf8=True) as server:
        smtp_settings(**server.smtp_config())
        assert len(deliver_due().sent) == 1
        [received] = server.messages
    assert received.rcpt_tos == ["pää@esimerkki.fi"]


def test_message_left_sending_by_a_dead_worker_is_reclaimed_after_the_timeout(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    assert claim(utcnow()) == [row.id]  # a worker claimed it, then died
    assert deliver_due().sent == []
    with time_machine.travel(utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1), tick=False):
        assert deliver_due().sent == [row.id]
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == row.message_id


def test_retries_stop_after_a_day(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("451 4.3.0 Try again later", count=100)
    moment = deliver_until_failed(db, row, tries=40)
    assert row.status == "failed"
    assert moment - row.created_at <= timedelta(hours=26)
    assert row.attempts > 5


def test_retry_delays_grow_and_are_capped():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(minutes=1)
    assert max(delays) == timedelta(hours=2)


def test_a_claimed_message_is_not_claimed_again(db):
    rows = confirmations(db, 4)
    first = claim(utcnow(), limit=2)
    second = claim(utcnow(), limit=10)
    assert len(first) == 2 and set(first).isdisjoint(second)
    assert sorted(first + second) == [m.id for m in rows]


def test_two_workers_claiming_at_once_get_disjoint_rows_without_waiting_for_each_other(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serializes writers")
    rows = confirmations(db, 4)
    first_holds_its_rows = threading.Event()
    second_done = threading.Event()
    first_claim: list[int] = []

    def pause_after_locking(conn, cursor, statement, parameters, context, executemany):
        if "FOR UPDATE" in statement and threading.current_thread().name == "first-worker":
            first_holds_its_rows.set()
            second_done.wait(timeout=10)

    def first_worker():
        with app.app_context():
            first_claim.extend(claim(utcnow(), limit=2))
            db.session.remove()

    event.listen(db.engine, "after_cursor_execute", pause_after_locking)
    worker = threading.Thread(target=first_worker, name="first-worker")
    try:
        worker.start()
        assert first_holds_its_rows.wait(timeout=10)
        # The first claim's transaction is open, its rows locked; a wait for them would time out.
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        second_claim = claim(utcnow(), limit=10)
    finally:
        second_done.set()
        worker.join(timeout=10)
        event.remove(db.engine, "after_cursor_execute", pause_after_locking)
    assert len(first_claim) == 2 and len(second_claim) == 2
    assert sorted(first_claim + second_claim) == [m.id for m in rows]


def test_a_batch_slower_than_the_claim_timeout_hands_back_the_rest_instead_of_racing_the_sweep(
        mail_app, db, smtp_server, monkeypatch):
    rows = confirmations(db, 4)
    send = SMTPMailer.send
    with time_machine.travel(utcnow(), tick=False) as clock:
        def tarpitted_send(mailer, message):
            send(mailer, message)
            clock.shift(timedelta(minutes=4))

        monkeypatch.setattr(SMTPMailer, "send", tarpitted_send)
        # Past HOLD_AT_MOST the batch stops: a sweep after CLAIM_TIMEOUT would otherwise claim
        # the rows it still holds and both would send them.
        assert deliver_due().sent == [rows[0].id, rows[1].id]
        db.session.expire_all()
        assert [m.status for m in rows] == ["sent", "sent", "pending", "pending"]
        monkeypatch.setattr(SMTPMailer, "send", send)
        assert deliver_due().sent == [rows[2].id, rows[3].id]
    assert sorted(mail.parsed()["Message-ID"] for mail in smtp_server.messages) == sorted(m.message_id for m in rows)


def test_a_worker_that_lost_its_claim_while_stalled_neither_resends_nor_repends_the_new_claims_rows(
        mail_app, db, smtp_server, monkeypatch):
    rows = confirmations(db, 3)
    claimed_at = utcnow()
    assert claim(claimed_at) == [m.id for m in rows]
    taken_over_at = claimed_at + CLAIM_TIMEOUT + timedelta(minutes=1)
    send = SMTPMailer.send

    def stalled_send(mailer, message):
        send(mailer, message)
        # The worker stalls here past the claim timeout, and another worker claims the rows again.
        db.session.execute(update(Message).values(claimed_at=taken_over_at))
        db.session.commit()

    monkeypatch.setattr(SMTPMailer, "send", stalled_send)
    report = deliver_claimed([m.id for m in rows], claimed_at)

    assert report.lost == [m.id for m in rows]
    assert report.sent == []
    assert len(smtp_server.messages) == 1  # the one in flight; the others are the new claim's to send
    db.session.expire_all()
    assert {(m.status, m.claimed_at, m.attempts) for m in rows} == {("sending", taken_over_at, 0)}


def test_an_outcome_is_not_written_over_a_row_that_was_cancelled_meanwhile(mail_app, db, smtp_server, monkeypatch):
    [row] = confirmations(db, 1)
    claimed_at = utcnow()
    claim(claimed_at)
    smtp_server.refuse("451 4.3.0 Try again later")
    send = SMTPMailer.send

    def send_then_cancelled(mailer, message):
        db.session.execute(update(Message).values(status="cancelled"))
        db.session.commit()
        send(mailer, message)

    monkeypatch.setattr(SMTPMailer, "send", send_then_cancelled)
    assert deliver_claimed([row.id], claimed_at).lost == [row.id]
    db.session.expire_all()
    assert row.status == "cancelled"


def test_a_message_that_cannot_be_composed_is_a_failed_attempt_and_the_batch_goes_on(
        mail_app, db, smtp_server, monkeypatch):
    rows = confirmations(db, 3)
    broken = rows[1].id

    def compose_unless_broken(message):
        if message.id == broken:
            raise KeyError("no template for this")
        return compose(message)

    monkeypatch.setattr("app.services.outbox.compose", compose_unless_broken)
    report = deliver_due()
    assert sorted(report.sent) == [rows[0].id, rows[2].id]
    assert report.retrying == [broken]
    db.session.expire_all()
    assert (rows[1].status, rows[1].attempts) == ("pending", 1)
    assert "KeyError" in rows[1].last_error and rows[1].due_at > utcnow()


def test_a_message_that_keeps_crashing_gives_up_after_a_day(mail_app, db, smtp_server, monkeypatch):
    [row] = confirmations(db, 1)

    def crash(message):
        raise RuntimeError("a bug")

    monkeypatch.setattr("app.services.outbox.compose", crash)
    moment = deliver_until_failed(db, row, tries=40)
    assert row.status == "failed" and row.attempts > 5
    assert moment - row.created_at <= timedelta(hours=26)


def test_an_unexpected_error_while_sending_one_message_is_its_failed_attempt_and_the_batch_goes_on(
        mail_app, db, smtp_server, monkeypatch):
    rows = confirmations(db, 3)
    send = SMTPMailer.send

    def send_unless_second(mailer, message):
        if message["Message-ID"] == rows[1].message_id:
            raise UnicodeEncodeError("ascii", "ä", 0, 1, "a header the server cannot take")
        send(mailer, message)

    monkeypatch.setattr(SMTPMailer, "send", send_unless_second)
    report = deliver_due()
    assert sorted(report.sent) == [rows[0].id, rows[2].id]
    assert report.retrying == [rows[1].id]
    assert len(smtp_server.connections) == 1


def received_methods(smtp_server) -> list[tuple[str, str | None]]:
    """(Subject, METHOD of the inline calendar or None) of every received mail, in order."""
    methods = []
    for mail in smtp_server.messages:
        parsed = mail.parsed()
        calendars = [part for part in parsed.walk()
                     if part.get_content_type() == "text/calendar" and not part.is_attachment()]
        methods.append((str(parsed["Subject"]), calendars[0].get_param("method") if calendars else None))
    return methods


def test_a_claimed_confirmation_of_a_person_who_cancels_meanwhile_is_not_sent_but_the_cancel_is(
        mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    claimed_at = utcnow()
    claim(claimed_at)  # held by a worker while the person cancels: cancel_registration leaves it alone
    cancel_registration(row.registration_id)
    db.session.commit()
    assert deliver_claimed([row.id], claimed_at).skipped == [row.id]
    deliver_due()
    [(_subject, method)] = received_methods(smtp_server)
    assert method == "CANCEL"
    db.session.expire_all()
    assert row.status == "cancelled"


def test_a_claimed_invite_of_an_event_cancelled_meanwhile_is_not_sent_as_a_request(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    claimed_at = utcnow()
    claim(claimed_at)  # held by a worker while the organizer cancels: cancel_event leaves it alone
    cancel_event(row.registration.event_id)
    db.session.commit()
    deliver_claimed([row.id], claimed_at)
    deliver_due()
    assert [method for _subject, method in received_methods(smtp_server)] == ["CANCEL"]


def test_of_two_updates_still_queued_only_the_later_goes(mail_app, db, smtp_server):
    rows = confirmations(db, 2)
    assert len(deliver_due().sent) == 2
    event = rows[0].registration.event
    for hours in (1, 2):
        update_event_logistics(event.id, starts_at=event.starts_at + timedelta(hours=1),
                               ends_at=event.ends_at + timedelta(hours=1))
        db.session.commit()
    updates = list(db.session.execute(
        select(Message).where(Message.kind == "event_updated").order_by(Message.id)).scalars())
    assert len(updates) == 4
    report = deliver_due()
    assert sorted(report.sent) == sorted(m.id for m in updates[2:])
    assert sorted(report.skipped) == sorted(m.id for m in updates[:2])
    assert len(smtp_server.messages) == 4  # two confirmations, one update each


def test_a_reminder_for_a_start_time_the_event_no_longer_has_is_not_sent(mail_app, db, smtp_server):
    make_municipality()
    starts_at = utcnow().replace(microsecond=0) + timedelta(minutes=90)
    event = make_event(starts_at=starts_at, reminder_offsets=[60])
    register(event.id, Applicant(email="r@example.org", first_name="A", last_name="B", language="fi",
                                 municipality_code="092"), "2026-11")
    db.session.commit()
    deliver_due()
    with time_machine.travel(utcnow() + timedelta(minutes=35), tick=False):
        assert plan_reminders() == 1
        db.session.commit()
    [reminder] = db.session.execute(select(Message).where(Message.kind == "reminder")).scalars()
    # Moved by a week before the reminder went out: it speaks of the old time.
    update_event_logistics(event.id, starts_at=starts_at + timedelta(days=7), ends_at=event.ends_at + timedelta(days=7))
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=36), tick=False):
        report = deliver_due()
    assert reminder.id in report.skipped
    db.session.expire_all()
    assert reminder.status == "cancelled"
    assert not any(subject.startswith("Muistutus") for subject, _method in received_methods(smtp_server))


def test_a_follow_up_of_an_event_cancelled_since_is_not_sent(db):
    [confirmation] = confirmations(db, 1)
    followup = queue_message(confirmation.registration, "followup")
    db.session.commit()
    assert still_wanted(followup, utcnow())

    confirmation.registration.event.status = "cancelled"

    assert not still_wanted(followup, utcnow())
