"""The attendee list's search and filter form, and the change-of-status form of a registration's page."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from app.forms import PlainTextForm
from app.organizer.words import ATTENDANCE_WORDS, REGISTRATION_STATUS_WORDS
from app.services.attendees import CHANGES, OTHER_ORGANIZATION, SORT_KEYS, AttendeeFilters

DIRECTIONS = ("asc", "desc")


def choices_of(words: dict) -> list[SelectChoice]:
    """A filter's choices: all, then each value with its word."""
    return [SelectChoice("", _l("All")), *(SelectChoice(value, word) for value, word in words.items())]


class OneOf:
    """Refuses a value outside a fixed set, for fields that offer no choices of their own."""

    def __init__(self, values: tuple[str, ...], message):
        self.values = values
        self.message = message

    def __call__(self, form, field):
        if field.data not in self.values:
            raise ValidationError(self.message)


class AttendeeFilterForm(PlainTextForm):
    """Search and filters of the attendee list, sent with GET so that a filtered list is a link to keep."""

    class Meta:
        # A GET form changes nothing, and its link must work when shared or bookmarked.
        csrf = False

    q = SearchField(
        _l("Search by name, email or organization"),
        validators=[Length(max=200, message=_l("Use at most %(max)d characters."))],
    )
    # A typed-in URL can send any value; the select's own check answers with a sentence.
    status = SelectField(
        _l("Status"), choices=choices_of(REGISTRATION_STATUS_WORDS), default="",
        invalid_choice_message=_l("Choose a status from the list."),
    )
    municipality = SelectField(
        _l("Municipality"), default="", invalid_choice_message=_l("Choose a municipality from the list."),
    )
    attended = SelectField(
        _l("Attendance"), choices=choices_of(ATTENDANCE_WORDS), default="",
        invalid_choice_message=_l("Choose an attendance from the list."),
    )
    sort = HiddenField(default="registered", validators=[
        OneOf(SORT_KEYS, _l("The list cannot be sorted that way. Sort it by clicking a column heading.")),
    ])
    dir = HiddenField(default="asc", validators=[
        OneOf(DIRECTIONS, _l("The list cannot be sorted that way. Sort it by clicking a column heading.")),
    ])

    field_order = ("q", "status", "municipality", "attended", "sort", "dir")

    def set_municipality_choices(self, municipality_names: list[tuple[str, str]]) -> None:
        """Offer every municipality (code, name) alphabetically, then those who named another organization."""
        names = sorted((SelectChoice(code, name) for code, name in municipality_names), key=lambda c: c.label)
        self.municipality.choices = [
            SelectChoice("", _l("All")), *names, SelectChoice(OTHER_ORGANIZATION, _l("Other organization")),
        ]

    def filters(self) -> AttendeeFilters:
        """The validated values as the attendee service takes them."""
        return AttendeeFilters(
            search=(self.q.data or "").strip(), status=self.status.data or "",
            municipality=self.municipality.data or "", attended=self.attended.data or "",
            sort=self.sort.data or "registered", descending=self.dir.data == "desc",
        )

    def query_args(self, **changes) -> dict:
        """The form's values as URL query arguments (empty and default ones left out), with changes."""
        values = {name: self[name].data for name in self.field_order}
        values.update(changes)
        defaults = {"sort": "registered", "dir": "asc"}
        return {name: value for name, value in values.items() if value and value != defaults.get(name)}

    def sort_args(self, key: str) -> dict:
        """The query arguments that sort the list by the key: ascending first, reversed when already so."""
        ascending_now = self.sort.data == key and self.dir.data != "desc"
        return self.query_args(sort=key, dir="desc" if ascending_now else "asc", page=None)

    def sorted_as(self, key: str) -> str | None:
        """How the list is sorted by the key, as aria-sort says it, or None when it is sorted by another."""
        if (self.sort.data or "registered") != key:
            return None
        return "descending" if self.dir.data == "desc" else "ascending"


class RegistrationChangeForm(PlainTextForm):
    """One change of a registration's status or attendance, sent by the button pressed."""

    change = HiddenField(validators=[OneOf(CHANGES, _l("Choose one of the changes offered on the page."))])

    field_order = ("change",)
