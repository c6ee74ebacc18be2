"""Organizer accounts: one's own password, and the admins' pages to create, change, deactivate and reactivate accounts."""

import re
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditEntry, OrganizerUser
from app.services import organizers
from app.services.organizers import (
    MIN_PASSWORD_LENGTH, LastActiveAdmin, OwnAccount, OwnPassword, PasswordTooShort, PasswordUnchanged,
    WrongPassword, authenticate, change_password, create_organizer, deactivate, password_stamp, reset_password,
    update_organizer,
)
from tests.factories import make_event, make_series
from tests.organizer.conftest import PASSWORD, english_client, log_in, table_rows

NEW_PASSWORD = "kolme sanaa peräkkäin"
T0 = datetime(2026, 11, 4, 8, 0, tzinfo=timezone.utc)


def fresh(organizer_id: int) -> OrganizerUser:
    """The organizer as the database has it now, not as this session remembers it."""
    _db.session.expire_all()
    return _db.session.get(OrganizerUser, organizer_id)


def audit_actions() -> list[tuple[str, int | None, dict | None]]:
    """Every audit entry as (action, user id, detail), oldest first."""
    return [(entry.action, entry.user_id, entry.detail)
            for entry in _db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def error_next_to(response, field_id: str) -> str:
    """The error message rendered beside the field."""
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip()


def organizer_count() -> int:
    return _db.session.execute(select(func.count()).select_from(OrganizerUser)).scalar_one()


# Own password ---------------------------------------------------------------------------------------

def test_change_password_service_needs_the_current_password_and_a_long_new_one(db, organizer):
    with pytest.raises(WrongPassword):
        change_password(organizer, "not the password", NEW_PASSWORD)
    with pytest.raises(PasswordTooShort):
        change_password(organizer, PASSWORD, "x" * (MIN_PASSWORD_LENGTH - 1))
    with pytest.raises(PasswordUnchanged):
        change_password(organizer, PASSWORD, PASSWORD)

    change_password(organizer, PASSWORD, "x" * MIN_PASSWORD_LENGTH)
    db.session.commit()
    assert fresh(organizer.id).password_hash.startswith("$argon2id$")
    assert authenticate(organizer.email, "x" * MIN_PASSWORD_LENGTH) is not None
    assert authenticate(organizer.email, PASSWORD) is None


def test_organizer_changes_their_password_and_stays_logged_in(client, db, organizer):
    log_in(client, organizer.email)
    assert client.get("/organizer/account/password").status_code == 200

    response = client.post("/organizer/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD,
    }, follow_redirects=True)

    assert response.status_code == 200
    assert "Your password has been changed." in response.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 200
    assert authenticate(organizer.email, NEW_PASSWORD) is not None
    assert authenticate(organizer.email, PASSWORD) is None
    assert audit_actions() == [("password_changed", organizer.id, None)]


@pytest.mark.parametrize("form, field, message", [
    ({"current_password": "not the password", "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD},
     "current_password", "The current password is not correct."),
    ({"current_password": "", "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD},
     "current_password", "Enter your current password."),
    ({"current_password": PASSWORD, "new_password": "lyhyt sana", "repeat_password": "lyhyt sana"},
     "new_password", "The password must be at least 12 characters long."),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "repeat_password": PASSWORD},
     "new_password", "The new password is the same as the current one."),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD + "!"},
     "repeat_password", "The two new passwords are different."),
])
def test_bad_password_change_says_why_beside_the_field_and_changes_nothing(client, db, organizer, form, field, message):
    log_in(client, organizer.email)
    hash_before = fresh(organizer.id).password_hash

    response = client.post("/organizer/account/password", data=form)

    assert response.status_code == 400
    assert error_next_to(response, field).startswith(message)
    assert fresh(organizer.id).password_hash == hash_before
    assert audit_actions() == []
    assert client.get("/organizer/").status_code == 200


def test_password_page_needs_a_login(client, organizer):
    response = client.post("/organizer/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organizer/login")
    assert authenticate(organizer.email, PASSWORD) is not None


def guess_current_password(client, guess: str, address: str = "127.0.0.1"):
    """Post the password form with a guess at the current password."""
    return client.post("/organizer/account/password", data={
        "current_password": guess, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD,
    }, environ_base={"REMOTE_ADDR": address})


TOO_MANY_CHANGES = "Too many attempts to change the password. Your password was not changed. Wait an hour and try again."


def test_guessing_the_current_password_from_an_open_session_is_refused_after_ten_tries(client, db, organizer):
    log_in(client, organizer.email)
    for attempt in range(10):
        assert guess_current_password(client, f"guess number {attempt}").status_code == 400

    # Even the right password: the eleventh try in a minute from one address changes nothing.
    response = guess_current_password(client, PASSWORD)

    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert TOO_MANY_CHANGES in page
    assert 'name="current_password"' in page
    assert authenticate(organizer.email, PASSWORD) is not None
    assert authenticate(organizer.email, NEW_PASSWORD) is None
    assert audit_actions() == []
    # Still logged in, and the limit is the password form's own: the rest of the pages work.
    assert client.get("/organizer/").status_code == 200
    assert client.get("/organizer/account/password").status_code == 200


def test_password_guesses_spread_over_addresses_are_limited_per_organizer(app, client, db, organizer, admin):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        for attempt in range(10):
            # A guess every five minutes from a new address stays under the per-address limit.
            assert guess_current_password(client, f"guess {attempt}", address=f"10.0.0.{attempt}").status_code == 400
            clock.shift(timedelta(minutes=5))
        refused = guess_current_password(client, PASSWORD, address="10.0.1.1")
        assert refused.status_code == 429
        assert TOO_MANY_CHANGES in refused.get_data(as_text=True)

        # Another organizer from the same address is not held up by it.
        admin_client = english_client(app)
        log_in(admin_client, admin.email, address="10.0.1.1")
        assert guess_current_password(admin_client, PASSWORD, address="10.0.1.1").status_code == 302

        # An hour after the first guess the organizer may try again.
        clock.shift(timedelta(minutes=11))
        assert guess_current_password(client, PASSWORD, address="10.0.1.1").status_code == 302
    assert authenticate(organizer.email, NEW_PASSWORD) is not None


# Creating accounts ----------------------------------------------------------------------------------

def test_admin_creates_an_organizer_with_series_and_single_events(logged_in_admin, db, admin):
    series = make_series(name_fi="Kuntatutor")
    other_series = make_series(name_fi="Muu sarja")
    single = make_event(series=other_series, title_fi="Yksittäinen webinaari")
    make_event(series=other_series, title_fi="Ei annettu")
    db.session.commit()

    page = logged_in_admin.get("/organizer/admin/organizers/new").get_data(as_text=True)
    assert "Yksittäinen webinaari" in page and "Muu sarja" in page

    response = logged_in_admin.post("/organizer/admin/organizers/new", data={
        "email": " Maija.Meikalainen@Vantaa.fi ", "name": "Maija Meikäläinen", "role": "organizer",
        "password": NEW_PASSWORD, "series": [str(series.id)], "events": [str(single.id)],
    })

    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/admin/organizers"
    created = organizers.find_organizer("maija.meikalainen@vantaa.fi")
    assert created.email == "maija.meikalainen@vantaa.fi"
    assert created.name == "Maija Meikäläinen"
    assert created.role == "organizer" and created.active
    assert created.password_hash.startswith("$argon2id$")
    assert [s.id for s in created.series] == [series.id]
    assert [e.id for e in created.events] == [single.id]
    assert audit_actions() == [("organizer_created", admin.id, {
        "organizer_id": created.id, "email": "maija.meikalainen@vantaa.fi", "role": "organizer",
    })]
    # The new organizer logs in with the password the admin passed on.
    assert authenticate("maija.meikalainen@vantaa.fi", NEW_PASSWORD) is not None


@pytest.mark.parametrize("changes, field, message", [
    ({"email": "ORGANIZER@example.org"}, "email", "An organizer with this email address already exists."),
    ({"email": "not-an-address"}, "email", "Enter an email address in the form name@example.fi."),
    ({"email": ""}, "email", "Enter the organizer's email address."),
    ({"name": "   "}, "name", "Enter the organizer's name."),
    ({"name": "Maija\x00"}, "name", "Use only letters, numbers and punctuation, on one line."),
    ({"password": "x" * (MIN_PASSWORD_LENGTH - 1)}, "password", "The password must be at least 12 characters long."),
    ({"role": "superuser"}, "role", "Not a valid choice."),
    ({"series": ["999999"]}, "series", "One of the series no longer exists."),
    ({"events": ["999999"]}, "events", "One of the events no longer exists."),
])
def test_bad_new_organizer_says_why_beside_the_field_and_saves_nothing(
    logged_in_admin, db, organizer, changes, field, message
):
    form = {"email": "maija@example.org", "name": "Maija Meikäläinen", "role": "organizer", "password": NEW_PASSWORD}
    form.update(changes)
    before = organizer_count()

    response = logged_in_admin.post("/organizer/admin/organizers/new", data=form)

    assert response.status_code == 400
    assert error_next_to(response, field).startswith(message)
    assert organizer_count() == before
    assert audit_actions() == []


def test_organizer_list_shows_role_state_last_login_and_what_each_manages(client, db, admin, organizer):
    series = make_series(name_fi="Kuntatutor")
    single = make_event(series=make_series(), title_fi="Vantaan webinaari")
    organizer.series.append(series)
    organizer.events.append(single)
    retired = create_organizer("retired@example.org", "Reijo Retired", PASSWORD)
    retired.active = False
    db.session.commit()
    log_in(client, admin.email)

    response = client.get("/organizer/admin/organizers")

    rows = table_rows(response)
    assert [row[:4] for row in rows] == [
        ["Anna Admin", "admin@example.org", "Administrator", "Active"],
        ["Olli Organizer", "organizer@example.org", "Organizer", "Active"],
        ["Reijo Retired", "retired@example.org", "Organizer", "Deactivated"],
    ]
    assert rows[0][4] != "Never" and rows[1][4] == "Never"
    assert rows[0][5] == "Every event"
    assert rows[1][5] == "Series: Kuntatutor; Vantaan webinaari"
    assert rows[2][5] == "Nothing yet"
    page = response.get_data(as_text=True)
    assert f'href="/organizer/admin/organizers/{organizer.id}"' in page
    assert 'href="/organizer/admin/organizers/new"' in page


# Changing accounts ----------------------------------------------------------------------------------

def test_admin_changes_name_role_and_grants(logged_in_admin, db, admin, organizer):
    old_series, new_series = make_series(), make_series()
    event = make_event(series=make_series())
    organizer.series.append(old_series)
    organizer.events.append(event)
    db.session.commit()
    page = logged_in_admin.get(f"/organizer/admin/organizers/{organizer.id}").get_data(as_text=True)
    assert f'id="series-{old_series.id}" name="series" value="{old_series.id}" checked' in page
    assert f'id="events-{event.id}" name="events" value="{event.id}" checked' in page

    response = logged_in_admin.post(f"/organizer/admin/organizers/{organizer.id}", data={
        "email": organizer.email, "name": "Olli Organisoija", "role": "admin", "series": [str(new_series.id)],
    })

    assert response.status_code == 302
    changed = fresh(organizer.id)
    assert changed.name == "Olli Organisoija" and changed.role == "admin"
    assert [s.id for s in changed.series] == [new_series.id]
    assert changed.events == []
    assert audit_actions() == [("organizer_changed", admin.id, {
        "organizer_id": organizer.id, "email": organizer.email, "changed": ["role", "name", "grants"],
    })]


def test_unchecking_every_grant_leaves_the_organizer_nothing(logged_in_admin, db, organizer):
    organizer.series.append(make_series())
    db.session.commit()

    logged_in_admin.post(f"/organizer/admin/organizers/{organizer.id}", data={
        "email": organizer.email, "name": organizer.name, "role": "organizer",
    })

    assert fresh(organizer.id).series == []


def test_admin_cannot_take_their_own_admin_rights(logged_in_admin, db, admin):
    response = logged_in_admin.post(f"/organizer/admin/organizers/{admin.id}", data={
        "email": "anna.renamed@example.org", "name": "Anna Renamed", "role": "organizer",
    })

    assert response.status_code == 400
    assert error_next_to(response, "role").startswith("You cannot take your own administrator rights")
    assert fresh(admin.id).role == "admin"
    assert fresh(admin.id).name == "Anna Admin"
    assert fresh(admin.id).email != "anna.renamed@example.org"
    assert audit_actions() == []


def test_bad_edit_says_why_and_saves_nothing(logged_in_admin, db, organizer):
    response = logged_in_admin.post(f"/organizer/admin/organizers/{organizer.id}", data={
        "email": organizer.email, "name": "", "role": "admin",
    })

    assert response.status_code == 400
    assert error_next_to(response, "name") == "Enter the organizer's name."
    assert fresh(organizer.id).role == "organizer"


def test_admin_corrects_an_organizers_login_address_and_they_log_in_with_the_new_one(
    app, logged_in_admin, db, admin, organizer,
):
    earlier = organizer.email

    response = logged_in_admin.post(f"/organizer/admin/organizers/{organizer.id}", data={
        "email": "  Olli.Korjattu@Example.org ", "name": organizer.name, "role": "organizer",
    })

    assert response.status_code == 302
    assert fresh(organizer.id).email == "olli.korjattu@example.org"
    assert audit_actions() == [("organizer_changed", admin.id, {
        "organizer_id": organizer.id, "email": "olli.korjattu@example.org", "changed": ["email"],
        "previous_email": earlier,
    })]
    assert authenticate(earlier, PASSWORD) is None
    assert authenticate("OLLI.KORJATTU@example.org", PASSWORD).id == organizer.id
    audit_page = logged_in_admin.get("/organizer/admin/audit").get_data(as_text=True)
    assert f"Earlier address: {earlier}" in audit_page
    assert "Changed: email address" in audit_page


@pytest.mark.parametrize("address", ["ADMIN@example.org", "not an address", ""])
def test_an_address_taken_or_not_an_address_is_refused_next_to_the_field_and_nothing_changes(
    logged_in_admin, db, admin, organizer, address,
):
    earlier = organizer.email
    assert admin.email == "admin@example.org"

    response = logged_in_admin.post(f"/organizer/admin/organizers/{organizer.id}", data={
        "email": address, "name": "Uusi Nimi", "role": "organizer",
    })

    assert response.status_code == 400
    message = error_next_to(response, "email")
    if address.startswith("ADMIN"):
        assert message == "An organizer with this email address already exists. Find them in the list of organizers."
    else:
        assert message
    assert fresh(organizer.id).email == earlier
    assert fresh(organizer.id).name != "Uusi Nimi"
    assert audit_actions() == []


# A new password for an organizer who forgot theirs -------------------------------------------------------

SESSION_ENDED = "Your password was changed since you logged in. Log in again with the new password."


def set_password_of(client, organizer_id: int, password: str, repeat: str | None = None):
    """Post the admin's new-password form of an organizer's edit page."""
    return client.post(f"/organizer/admin/organizers/{organizer_id}/password", data={
        "new_password": password, "repeat_password": password if repeat is None else repeat,
    })


def test_admin_sets_a_new_password_for_an_organizer_who_forgot_theirs_and_their_sessions_end(
    app, client, db, admin, organizer,
):
    organizer_client = english_client(app)
    log_in(organizer_client, organizer.email)
    log_in(client, admin.email)
    assert 'action="/organizer/admin/organizers/%d/password"' % organizer.id in (
        client.get(f"/organizer/admin/organizers/{organizer.id}").get_data(as_text=True)
    )

    response = set_password_of(client, organizer.id, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizer/admin/organizers/{organizer.id}"
    assert "The new password of Olli Organizer is set" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert authenticate(organizer.email, NEW_PASSWORD) is not None
    assert authenticate(organizer.email, PASSWORD) is None
    assert audit_actions() == [("organizer_changed", admin.id, {
        "organizer_id": organizer.id, "email": organizer.email, "password": "reset",
    })]
    # The organizer's open session ends and says why; the new password lets them back in. The admin carries on.
    ended = organizer_client.get("/organizer/", follow_redirects=True)
    assert SESSION_ENDED in ended.get_data(as_text=True)
    assert organizer_client.get("/organizer/").status_code == 302
    assert log_in(organizer_client, organizer.email, NEW_PASSWORD).status_code == 302
    assert organizer_client.get("/organizer/").status_code == 200
    assert client.get("/organizer/").status_code == 200


@pytest.mark.parametrize("password, repeat, field, message", [
    ("lyhyt sana", "lyhyt sana", "new_password", "The password must be at least 12 characters long."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "repeat_password", "The two new passwords are different."),
    ("", "", "new_password", "Enter a new password."),
    (NEW_PASSWORD, "", "repeat_password", "Type the new password again."),
])
def test_bad_new_password_says_why_beside_the_field_and_changes_nothing(
    app, client, db, admin, organizer, password, repeat, field, message,
):
    series = make_series()
    organizer.series.append(series)
    db.session.commit()
    organizer_client = english_client(app)
    log_in(organizer_client, organizer.email)
    log_in(client, admin.email)
    hash_before = fresh(organizer.id).password_hash

    response = set_password_of(client, organizer.id, password, repeat)

    assert response.status_code == 400
    assert error_next_to(response, field).startswith(message)
    # The rest of the page shows the account as it is, not as read from this other form.
    page = response.get_data(as_text=True)
    assert f'value="{organizer.name}"' in page
    assert f'id="series-{series.id}" name="series" value="{series.id}" checked' in page
    assert fresh(organizer.id).password_hash == hash_before
    assert audit_actions() == []
    assert organizer_client.get("/organizer/").status_code == 200


def test_admin_changes_their_own_password_only_on_the_password_page(logged_in_admin, db, admin):
    page = logged_in_admin.get(f"/organizer/admin/organizers/{admin.id}").get_data(as_text=True)
    assert f"/organizer/admin/organizers/{admin.id}/password" not in page
    assert 'href="/organizer/account/password"' in page

    response = set_password_of(logged_in_admin, admin.id, NEW_PASSWORD)

    assert response.status_code == 400
    assert "Change your own password on the password page, giving your current one." in response.get_data(as_text=True)
    assert authenticate(admin.email, PASSWORD) is not None
    assert audit_actions() == []
    assert logged_in_admin.get("/organizer/").status_code == 200


def test_reset_password_service_refuses_the_admins_own_and_a_short_one(db, admin, organizer):
    with pytest.raises(OwnPassword):
        reset_password(admin, admin, NEW_PASSWORD)
    with pytest.raises(PasswordTooShort):
        reset_password(admin, organizer, "x" * (MIN_PASSWORD_LENGTH - 1))
    stamp = password_stamp(organizer)

    reset_password(admin, organizer, NEW_PASSWORD)

    assert password_stamp(organizer) != stamp
    assert authenticate(organizer.email, NEW_PASSWORD) is organizer


# Deactivating and reactivating ----------------------------------------------------------------------

def test_deactivated_organizers_open_session_ends_and_reactivation_lets_them_back(app, client, db, admin, organizer):
    organizer_client = english_client(app)
    log_in(organizer_client, organizer.email)
    assert organizer_client.get("/organizer/").status_code == 200
    log_in(client, admin.email)

    response = client.post(f"/organizer/admin/organizers/{organizer.id}/deactivate")

    assert response.status_code == 302
    assert fresh(organizer.id).active is False
    assert organizer_client.get("/organizer/").status_code == 302
    assert log_in(organizer_client, organizer.email).status_code == 200  # the login form again, refused
    assert organizer_client.get("/organizer/").status_code == 302

    reactivated = client.post(f"/organizer/admin/organizers/{organizer.id}/reactivate")
    assert reactivated.headers["Location"] == f"/organizer/admin/organizers/{organizer.id}"

    assert fresh(organizer.id).active is True
    assert log_in(organizer_client, organizer.email).status_code == 302
    assert organizer_client.get("/organizer/").status_code == 200
    assert [(action, detail.get("active")) for action, _, detail in audit_actions()] == [
        ("organizer_changed", False), ("organizer_changed", True),
    ]


def test_admin_cannot_deactivate_themselves(logged_in_admin, db, admin):
    series = make_series()
    admin.series.append(series)
    db.session.commit()

    # The button's form sends only its CSRF token.
    response = logged_in_admin.post(f"/organizer/admin/organizers/{admin.id}/deactivate", data={"csrf_token": "token"})

    assert response.status_code == 400
    assert "deactivate your own account" in response.get_data(as_text=True)
    # The rest of the page shows the account as it is, not as read from the button's form.
    page = response.get_data(as_text=True)
    assert 'value="Anna Admin"' in page
    assert f'id="series-{series.id}" name="series" value="{series.id}" checked' in page
    assert fresh(admin.id).active is True
    assert audit_actions() == []


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(db, admin, organizer):
    retired_admin = create_organizer("retired.admin@example.org", "Entinen Ylläpitäjä", PASSWORD, role="admin")
    retired_admin.active = False
    db.session.commit()

    with pytest.raises(LastActiveAdmin):
        deactivate(organizer, admin)
    with pytest.raises(LastActiveAdmin):
        update_organizer(organizer, admin, admin.email, admin.name, "organizer", [], [])
    with pytest.raises(OwnAccount):
        deactivate(admin, admin)
    assert fresh(admin.id).active and fresh(admin.id).role == "admin"

    second_admin = create_organizer("second.admin@example.org", "Toinen Ylläpitäjä", PASSWORD, role="admin")
    assert deactivate(second_admin, admin) is True


def test_two_admins_deactivating_each_other_at_once_leave_one_active(app, db, admin):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row lock that serializes them is PostgreSQL's; SQLite has one writer anyway")
    other = create_organizer("other.admin@example.org", "Olga Other", PASSWORD, role="admin")
    db.session.commit()
    admin_id, other_id = admin.id, other.id
    outcome = {}

    def other_deactivates_admin():
        with app.app_context():
            try:
                deactivate(_db.session.get(OrganizerUser, other_id), _db.session.get(OrganizerUser, admin_id))
                _db.session.commit()
                outcome["other"] = "deactivated"
            except LastActiveAdmin:
                _db.session.rollback()
                outcome["other"] = "refused"
            finally:
                _db.session.remove()

    # The admin deactivates the other and holds the transaction open while the other tries the same.
    assert deactivate(admin, other) is True
    racer = threading.Thread(target=other_deactivates_admin)
    racer.start()
    time.sleep(0.5)
    assert racer.is_alive(), "the second admin's change must wait for the first"
    db.session.commit()
    racer.join(timeout=10)

    assert outcome == {"other": "refused"}
    assert fresh(admin_id).active is True
    assert fresh(other_id).active is False


# Only for admins ------------------------------------------------------------------------------------

ADMIN_PAGES = [
    ("get", "/organizer/admin/organizers"),
    ("get", "/organizer/admin/organizers/new"),
    ("post", "/organizer/admin/organizers/new"),
    ("get", "/organizer/admin/organizers/{id}"),
    ("post", "/organizer/admin/organizers/{id}"),
    ("post", "/organizer/admin/organizers/{id}/deactivate"),
    ("post", "/organizer/admin/organizers/{id}/reactivate"),
    ("post", "/organizer/admin/organizers/{id}/password"),
    ("get", "/organizer/admin/audit"),
]


@pytest.mark.parametrize("method, path", ADMIN_PAGES)
def test_account_pages_do_not_exist_for_organizers(client, db, admin, organizer, method, path):
    log_in(client, organizer.email)
    form = {"email": "new@example.org", "name": "Uusi", "role": "admin", "password": NEW_PASSWORD,
            "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}

    response = getattr(client, method)(path.format(id=admin.id), data=form if method == "post" else None)

    assert response.status_code == 404
    assert organizer_count() == 2
    assert fresh(admin.id).active and fresh(admin.id).role == "admin"
    assert fresh(organizer.id).role == "organizer"
    assert authenticate(admin.email, PASSWORD) is not None
    assert audit_actions() == []


@pytest.mark.parametrize("method, path", ADMIN_PAGES)
def test_account_pages_need_a_login(client, admin, method, path):
    response = getattr(client, method)(path.format(id=admin.id))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organizer/login")


def test_unknown_organizer_is_a_404(logged_in_admin):
    assert logged_in_admin.get("/organizer/admin/organizers/999999").status_code == 404
    assert logged_in_admin.post("/organizer/admin/organizers/999999/deactivate").status_code == 404
    assert set_password_of(logged_in_admin, 999999, NEW_PASSWORD).status_code == 404
