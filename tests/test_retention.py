"""Personal data goes away RETENTION_DAYS after the event; counts by municipality and feedback stay (rule 9)."""

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, func, select, text

from app.extensions import db
from app.models import (
    AttendanceImport,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    Message,
    Registration,
)
from app.models.types import utcnow
from app.services.attendance import Report, ReportRow, apply_import, create_preview, import_history
from app.services.outbox import deliver_due
from app.services.queue import queue_message
from app.services.retention import purge_expired
from app.services.tokens import manage_token
from tests.factories import make_event, make_municipality, make_registration


def ended_days_ago(days: int):
    """An event that ended the given number of days ago."""
    start = utcnow().replace(microsecond=0) - timedelta(days=days, hours=3)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=2))


def test_registrations_are_anonymized_after_the_retention_time_and_not_before(app, db):
    old = ended_days_ago(91)
    recent = ended_days_ago(89)
    gone = make_registration(old, job_title="Digituki", questions="Kysymys", accessibility_needs="Tekstitys")
    kept = make_registration(recent)
    db.session.commit()
    assert purge_expired() == 1
    db.session.commit()
    db.session.expire_all()
    assert gone.purged_at is not None
    assert (gone.email, gone.first_name, gone.last_name, gone.job_title, gone.questions,
            gone.accessibility_needs, gone.manage_token_hash) == (None,) * 7
    assert kept.purged_at is None and kept.email is not None
    assert purge_expired() == 0


def test_counts_by_municipality_and_attendance_survive_the_purge(app, db):
    old = ended_days_ago(100)
    make_municipality("049", "Espoo", "Esbo")
    make_registration(old, municipality_code="049", attended="yes")
    make_registration(old, attended="no")
    make_registration(old, organization="Digi ry", municipality_code=None)
    db.session.commit()
    purge_expired()
    db.session.commit()
    rows = db.session.execute(
        select(Registration.municipality_code, Registration.organization, Registration.attended)
        .order_by(Registration.id)
    ).all()
    assert [tuple(r) for r in rows] == [("049", None, "yes"), ("092", None, "no"), (None, "Digi ry", "unknown")]


def test_feedback_stays_anonymous_after_the_purge(app, db):
    old = ended_days_ago(100)
    registration = make_registration(old)
    form = FeedbackForm(event=old)
    db.session.add(form)
    db.session.add(FeedbackResponse(form=form, registration=registration, municipality_code="092"))
    db.session.commit()
    purge_expired()
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(FeedbackResponse)).scalar() == 1


def test_a_purged_registration_gets_no_more_mail_and_its_link_stops_working(app, db, client):
    old = ended_days_ago(100)
    registration = make_registration(old)
    link = f"/manage/{manage_token(registration)}"
    message = queue_message(registration, "followup")
    db.session.commit()
    assert client.get(link).status_code == 200
    purge_expired()
    db.session.commit()
    db.session.refresh(message)
    assert message.status == "cancelled"
    assert client.get(link).status_code == 404


def test_retention_days_come_from_the_config(app, db):
    make_registration(ended_days_ago(40))
    db.session.commit()
    app.config["RETENTION_DAYS"] = 30
    try:
        assert purge_expired() == 1
    finally:
        app.config["RETENTION_DAYS"] = 90


def test_purge_expired_command(app, db, runner):
    make_registration(ended_days_ago(120))
    db.session.commit()
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0
    assert "1 registrations" in result.output
    assert db.session.execute(select(func.count()).where(Registration.purged_at.is_not(None))).scalar() == 1


def text_columns():
    """Every String, Text and JSON column of every table."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, JSON)):
                yield table, column


def test_after_the_purge_no_text_column_and_no_stored_mail_holds_the_persons_address_or_name(
        app, smtp_server, caplog):
    old = ended_days_ago(100)
    gone = make_registration(old, email="asa.purgeable@example.org", first_name="Åsa-Maria",
                             last_name="Purgeablenen", job_title="Digituki", questions="Kysymys",
                             accessibility_needs="Tekstitys")
    kept = make_registration(ended_days_ago(10))
    form = FeedbackForm(event=old)
    question = FeedbackQuestion(form=form, position=1, kind="rating", text_fi="Arvosana")
    comment = FeedbackQuestion(form=form, position=2, kind="text", text_fi="Kommentit")
    response = FeedbackResponse(form=form, registration=gone, municipality_code="092")
    db.session.add_all([form, question, comment, response,
                        FeedbackAnswer(response=response, question=question, value_int=4),
                        FeedbackAnswer(response=response, question=comment, value_text="Hyvä webinaari")])
    refused = queue_message(gone, "confirmation")
    stored = [queue_message(gone, "followup"), queue_message(kept, "followup")]
    # The attendance report names her, and a guest who never registered.
    report = Report("generic", [ReportRow("Åsa-Maria Purgeablenen", "asa.purgeable@example.org", 50.0),
                                ReportRow("Gunnar Guestberg", "gunnar.guestberg@example.org", 20.0)])
    apply_import(old.id, create_preview(old, None, "osallistujat.csv", report, 0).id)
    create_preview(old, None, "uudelleen.csv", report, 0)
    db.session.commit()

    saved = {key: app.config[key] for key in smtp_server.smtp_config()}
    app.config.update(smtp_server.smtp_config())
    smtp_server.refuse("550 5.1.1 <asa.purgeable@example.org>: Recipient address rejected")
    try:
        with caplog.at_level(logging.INFO):
            assert deliver_due(ids=[refused.id]).failed == [refused.id]
    finally:
        app.config.update(saved)
    db.session.expire_all()
    assert "asa.purgeable" in db.session.get(Message, refused.id).last_error
    # The test server's own log ("mail.log") quotes the envelope; the service's logs must not.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("app", "workers"))
    assert "asa.purgeable" not in ours and "message" in ours
    assert sorted(deliver_due(ids=[m.id for m in stored]).sent) == [m.id for m in stored]
    folder = Path(app.config["MAIL_FOLDER"])
    assert len(list(folder.glob("*.eml"))) == 2

    assert purge_expired() == 1
    db.session.commit()

    personal = ("asa.purgeable", "Åsa-Maria", "Purgeablenen", "Digituki", "Kysymys", "Tekstitys", "Guestberg")
    for table, column in text_columns():
        for value in db.session.execute(select(column).where(column.is_not(None))).scalars():
            text = str(value)
            assert not any(word.lower() in text.lower() for word in personal), f"{table.name}.{column.name}: {text}"
    [left] = folder.glob("*.eml")
    assert kept.email in left.read_text(errors="replace")

    # The feedback stays, with its values and municipality, linked to no one.
    db.session.expire_all()
    response = db.session.execute(select(FeedbackResponse)).scalar_one()
    assert (response.registration_id, response.municipality_code) == (None, "092")
    assert {(a.value_int, a.value_text) for a in response.answers} == {(None, "Hyvä webinaari"), (4, None)}


def test_a_backlog_beyond_postgresqls_65535_parameters_is_purged_in_one_run(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the limit of 65,535 bound parameters is PostgreSQL's")
    old = ended_days_ago(200)
    make_municipality()
    db.session.commit()
    # Written by the database itself: 66,000 ORM inserts would take the test minutes.
    db.session.execute(text(
        "INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, language,"
        " privacy_notice_version, privacy_consented_at, future_events_consent, status, attended,"
        " manage_token_nonce, manage_token_hash, created_at, updated_at)"
        " SELECT :event, 'p' || n || '@example.org', 'Aino', 'Virtanen', '092', 'fi', '2026-11', now(), false,"
        " 'confirmed', 'unknown', md5('nonce' || n), md5('hash' || n) || md5('more' || n), now(), now()"
        " FROM generate_series(1, 66000) AS n"
    ), {"event": old.id})
    db.session.commit()

    assert purge_expired() == 66000
    db.session.commit()

    assert db.session.execute(select(func.count()).where(Registration.email.is_not(None))).scalar_one() == 0
    assert db.session.execute(
        select(func.count()).where(Registration.municipality_code == "092", Registration.purged_at.is_not(None))
    ).scalar_one() == 66000


def report_of(*emails: str) -> Report:
    """An attendance report of these people, a minute each."""
    return Report("generic", [ReportRow(email.split("@")[0], email, 1.0) for email in emails])


def test_attendance_reports_of_expired_events_lose_their_rows_and_waiting_previews_go(app, db):
    old, recent = ended_days_ago(91), ended_days_ago(89)
    applied = create_preview(old, None, "old.csv", report_of(make_registration(old).email, "guest@example.org"), 0)
    apply_import(old.id, applied.id)
    waiting = create_preview(old, None, "waiting.csv", report_of("guest@example.org"), 0)
    young = create_preview(recent, None, "recent.csv", report_of("guest@example.org"), 0)
    db.session.commit()
    before = applied.previous_attendance

    assert purge_expired() == 1
    db.session.commit()

    db.session.expire_all()
    # The preview is discarded too: emptied, it could be saved only as "nobody attended".
    assert [(item.status, item.rows) for item in (applied, waiting)] == [("applied", []), ("discarded", [])]
    assert applied.previous_attendance == before  # registration ids and values: what an undo needs
    assert (young.status, len(young.rows)) == ("preview", 1)
    assert [entry.attendance_import.filename for entry in import_history(old.id)] == ["old.csv"]


def test_reports_are_emptied_also_of_events_whose_registrations_were_purged_before(app, db):
    old = ended_days_ago(120)
    make_registration(old)
    db.session.commit()
    assert purge_expired() == 1
    db.session.commit()
    # Saved after that purge (or before this rule existed), with only people who never registered.
    attendance_import = create_preview(old, None, "late.csv", report_of("guest@example.org"), 0)
    db.session.commit()

    assert purge_expired() == 0
    db.session.commit()

    db.session.expire_all()
    assert (attendance_import.status, attendance_import.rows) == ("discarded", [])
    assert db.session.execute(select(func.count()).select_from(AttendanceImport)).scalar_one() == 1
