"""The audit log's details, as kept by record(), said as short phrases in the page's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import LANGUAGE_NAMES, language_of_locale
from app.organizer.forms import ROLE_NAMES
from app.organizer.words import (
    ATTENDANCE_WORDS, AUDIT_DETAIL_WORDS, FILTER_WORDS, MESSAGE_KIND_WORDS, MESSAGE_STATUS_WORDS,
    REGISTRATION_STATUS_WORDS, REPORT_LAYOUT_WORDS,
)
from app.services.attendees import OTHER_ORGANIZATION
from app.services.municipalities import municipality_names

# Which organizer the entry is about is in its own column (the account's email is said instead).
UNSAID = {"organizer_id"}
# Keys that hold a count in one action's entry (an attendance import's) and a change in another's.
COUNT_OR_CHANGE = {"attended", "changed"}
# What an account change or an event change names, in the page's language.
CHANGED_FIELD_NAMES = {
    "email": _l("email address"), "name": _l("name"), "role": _l("role"), "grants": _l("series and events"),
}
ATTENDED_VALUES = {True: "yes", False: "no", None: "unknown"}


def detail_phrases(action: str, detail: dict | None) -> list[str]:
    """An entry's details as short phrases; a key the app no longer records is shown as it is stored."""
    phrases = []
    for key, value in (detail or {}).items():
        if key in UNSAID:
            continue
        if key == "active":
            phrases.append(_("Reactivated") if value else _("Deactivated"))
            continue
        if key in COUNT_OR_CHANGE and isinstance(value, int):
            key = f"{key}_count"
        words = AUDIT_DETAIL_WORDS.get(key)
        if words is None:
            phrases.append(f"{key}: {value}")
        else:
            phrases.append(str(words) % {"value": said(action, key, value)})
    return phrases


def said(action: str, key: str, value) -> str:
    """One detail's value in words: states and kinds by their names, a before and after with an arrow."""
    if key == "role":
        return str(ROLE_NAMES.get(value, value))
    if key == "changed":
        return ", ".join(str(CHANGED_FIELD_NAMES.get(name, name)) for name in value)
    if key == "format":
        return str(value).upper()
    if key == "change":
        return change_said(value)
    if key == "status":
        return " → ".join(str(REGISTRATION_STATUS_WORDS.get(status, status)) for status in value)
    if key == "attended":
        return " → ".join(str(ATTENDANCE_WORDS[ATTENDED_VALUES.get(known, "unknown")]) for known in value)
    if key == "kind":
        return str(MESSAGE_KIND_WORDS.get(value, value))
    if key == "layout":
        return str(REPORT_LAYOUT_WORDS.get(value, value))
    if key == "languages":
        return ", ".join(LANGUAGE_NAMES.get(language, language) for language in value)
    if key == "page" and value == "attendance_preview":
        return _("preview of an attendance import")
    if key == "filters":
        return filters_said(action, value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def change_said(change: str) -> str:
    """A registration's change by hand (app/services/attendees.py CHANGES, or cancel) as the state it led to."""
    if change == "confirm":
        return str(REGISTRATION_STATUS_WORDS["confirmed"])
    if change == "cancel":
        return str(REGISTRATION_STATUS_WORDS["cancelled"])
    return str(ATTENDANCE_WORDS.get(change.removeprefix("attended-"), change))


def filters_said(action: str, filters: dict) -> str:
    """The filters a list was viewed or exported with; the search text itself is never kept."""
    status_words = MESSAGE_STATUS_WORDS if action == "messages_viewed" else REGISTRATION_STATUS_WORDS
    values = {"status": status_words, "attended": ATTENDANCE_WORDS, "kind": MESSAGE_KIND_WORDS}
    parts = []
    for name, value in filters.items():
        label = str(FILTER_WORDS.get(name, name))
        if name == "search":
            parts.append(label)
        elif name == "municipality":
            parts.append(f"{label}: {municipality_said(value)}")
        else:
            parts.append(f"{label}: {values.get(name, {}).get(value, value)}")
    return ", ".join(parts) or "–"


def municipality_said(code: str) -> str:
    """A municipality filter's value by the municipality's name."""
    if code == OTHER_ORGANIZATION:
        return _("Other organizations")
    return dict(municipality_names(language_of_locale())).get(code, code)
