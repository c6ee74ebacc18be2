"""The event editor's form: every field of an event, its programme and contacts, usable without JavaScript.

Rows of the programme, speakers and contact persons are added, moved and removed by submit
buttons named `action` (`add-item`, `remove-item-2`, `up-item-2`, `add-speaker-1`,
`remove-speaker-1-0`, `add-contact`, `remove-contact-1`…): `rearranged()` rewrites the
submitted data accordingly and the page is shown again, nothing saved.
"""

import re
from dataclasses import fields
from datetime import timedelta, timezone
from urllib.parse import urlsplit

from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField, DateTimeLocalField, FieldList, FormField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField, TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import PlainTextForm, PlainTextSubform
from app.i18n import HELSINKI
from app.models.events import PROGRAMME_KINDS
from app.models.types import utcnow
from app.public.forms import EmailAddress
from app.services.events import (
    LOGISTICS, SLUG_MAX_LENGTH, ContactDetails, EventDetails, ProgrammeItemDetails, SpeakerDetails,
)

# The reminders an organizer picks from, in minutes before the start.
REMINDER_CHOICES = (
    SelectChoice(7 * 24 * 60, _l("1 week before")),
    SelectChoice(24 * 60, _l("1 day before")),
    SelectChoice(3 * 60, _l("3 hours before")),
    SelectChoice(60, _l("1 hour before")),
    SelectChoice(15, _l("15 minutes before")),
)
PROGRAMME_KIND_LABELS = {"talk": _l("Talk"), "panel": _l("Panel"), "break": _l("Break")}
MAX_FOLLOWUP_DELAY = 14 * 24 * 60
MAX_CAPACITY = 100_000
TOO_LONG = _l("Use at most %(max)d characters.")
ACTION = re.compile(r"(add|remove|up|down)-(item|speaker|contact)((?:-\d+){0,2})")


def stripped(value):
    """Text without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


def text_or_none(value: str | None) -> str | None:
    """The text, or None when it is empty."""
    return value or None


def filled(field) -> bool:
    """Whether the person typed something into the field (also something that did not parse)."""
    if field.raw_data:
        return any(value.strip() for value in field.raw_data)
    return bool(field.data)


class WebAddress:
    """An http(s) web address on one line."""

    def __call__(self, form, field):
        value = field.data or ""
        if not value:
            return
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise ValidationError(
                _l("Enter a web address that starts with https://, for example https://meet.example.fi/abc."))


def helsinki_datetime_field(label, description=None, required_message=None):
    """A date and time in Helsinki, as the browser's date-and-time picker gives it."""
    return DateTimeLocalField(
        label,
        description=description,
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        tz=HELSINKI,
        validators=[InputRequired(required_message)] if required_message else [Optional()],
        invalid_value_message=_l("Enter the date and time, for example 2.12.2026 9.00."),
    )


class BlankRowsAreSkipped:
    """A row nobody filled in is left out: neither checked nor saved."""

    # Fields that have a value without anyone typing one.
    untyped = ("id", "kind")

    def is_blank(self) -> bool:
        """Whether nothing was typed into the row (or its nested rows)."""
        for name, field in self._fields.items():
            if name in self.untyped:
                continue
            if isinstance(field, FieldList):
                if any(not entry.form.is_blank() for entry in field):
                    return False
            elif filled(field):
                return False
        return True

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class SpeakerForm(BlankRowsAreSkipped, PlainTextSubform):
    """A speaker: name, title and organization."""

    name = StringField(_l("Name"), filters=[stripped], validators=[
        DataRequired(_l("Enter the speaker's name, or empty the row to leave the speaker out.")),
        Length(max=200, message=TOO_LONG)])
    title = StringField(_l("Title"), filters=[stripped], validators=[Length(max=200, message=TOO_LONG)])
    organization = StringField(_l("Organization"), filters=[stripped],
                               validators=[Length(max=200, message=TOO_LONG)])

    def details(self) -> SpeakerDetails:
        """The speaker as the service takes it."""
        return SpeakerDetails(self.name.data, text_or_none(self.title.data), text_or_none(self.organization.data))


class ProgrammeItemForm(BlankRowsAreSkipped, PlainTextSubform):
    """A programme item: time, kind, title in each language and its speakers."""

    id = HiddenField()
    time_of_day = TimeField(
        _l("Time"), format=["%H:%M", "%H:%M:%S"], validators=[Optional()],
        description=_l("Time of day in Finnish time, on the day of the event. Optional."),
        invalid_value_message=_l("Enter the time as hours and minutes, for example 09:30."),
    )
    kind = SelectField(
        _l("Kind"), default="talk",
        choices=[SelectChoice(kind, PROGRAMME_KIND_LABELS[kind]) for kind in PROGRAMME_KINDS],
        invalid_choice_message=_l("Choose talk, panel or break."),
    )
    title_fi = StringField(_l("Title in Finnish"), filters=[stripped], validators=[
        DataRequired(_l("Enter the item's title in Finnish, or empty the whole item to remove it.")),
        Length(max=300, message=TOO_LONG)])
    title_sv = StringField(_l("Title in Swedish"), filters=[stripped], validators=[Length(max=300, message=TOO_LONG)])
    title_en = StringField(_l("Title in English"), filters=[stripped], validators=[Length(max=300, message=TOO_LONG)])
    speakers = FieldList(FormField(SpeakerForm), label=_l("Speakers"))

    def details(self) -> ProgrammeItemDetails:
        """The item as the service takes it, without its blank speaker rows."""
        return ProgrammeItemDetails(
            id=int(self.id.data) if (self.id.data or "").isdigit() else None,
            time_of_day=self.time_of_day.data,
            kind=self.kind.data or "talk",
            title_fi=self.title_fi.data,
            title_sv=text_or_none(self.title_sv.data),
            title_en=text_or_none(self.title_en.data),
            speakers=tuple(entry.form.details() for entry in self.speakers if not entry.form.is_blank()),
        )


class ContactForm(BlankRowsAreSkipped, PlainTextSubform):
    """A contact person: name, title, organization, email and phone."""

    name = StringField(_l("Name"), filters=[stripped], validators=[
        DataRequired(_l("Enter the contact person's name, or empty the row to leave them out.")),
        Length(max=200, message=TOO_LONG)])
    title = StringField(_l("Title"), filters=[stripped], validators=[Length(max=200, message=TOO_LONG)])
    organization = StringField(_l("Organization"), filters=[stripped],
                               validators=[Length(max=200, message=TOO_LONG)])
    email = StringField(_l("Email address"), filters=[stripped],
                        validators=[Optional(), Length(max=320, message=TOO_LONG), EmailAddress()])
    phone = StringField(_l("Phone number"), filters=[stripped], validators=[
        Optional(), Length(max=50, message=TOO_LONG),
        Regexp(r"^\+?[0-9][0-9 ()-]{4,}$",
               message=_l("Enter the phone number in digits, for example 09 123 4567 or +358 9 123 4567."))])

    def details(self) -> ContactDetails:
        """The contact person as the service takes it."""
        return ContactDetails(
            self.name.data, text_or_none(self.title.data), text_or_none(self.organization.data),
            text_or_none(self.email.data), text_or_none(self.phone.data),
        )


class EventForm(PlainTextForm):
    """Every detail of an event; its field names are those of EventDetails."""

    series_id = SelectField(
        _l("Series"), coerce=int,
        invalid_value_message=_l("Choose one of the series you manage."),
        invalid_choice_message=_l("Choose one of the series you manage."),
    )
    title_fi = StringField(_l("Title in Finnish"), filters=[stripped], validators=[
        DataRequired(_l("Enter the title in Finnish.")), Length(max=300, message=TOO_LONG)])
    title_sv = StringField(_l("Title in Swedish"), filters=[stripped], validators=[Length(max=300, message=TOO_LONG)],
                           description=_l("Optional. Without it, Swedish pages show the Finnish title."))
    title_en = StringField(_l("Title in English"), filters=[stripped], validators=[Length(max=300, message=TOO_LONG)],
                           description=_l("Optional. Without it, English pages show the Finnish title."))
    slug = StringField(
        _l("Web address"), filters=[stripped],
        description=_l("The end of the event page's address, such as kunnan-digituki. "
                       "Leave it empty to make it from the Finnish title."),
        validators=[
            Optional(), Length(max=SLUG_MAX_LENGTH, message=TOO_LONG),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use only lowercase letters a–z, digits and single "
                                                          "hyphens between them, for example kunnan-digituki.")),
        ],
    )
    host_municipality_code = SelectField(
        _l("Host municipality"), invalid_choice_message=_l("Choose a municipality from the list, or no host."))
    description_fi = TextAreaField(
        _l("Description in Finnish"), filters=[stripped], validators=[Length(max=20000, message=TOO_LONG)],
        description=_l("Markdown: **bold**, *italics*, lists starting with a hyphen, links as [text](https://…)."))
    description_sv = TextAreaField(_l("Description in Swedish"), filters=[stripped],
                                   validators=[Length(max=20000, message=TOO_LONG)])
    description_en = TextAreaField(_l("Description in English"), filters=[stripped],
                                   validators=[Length(max=20000, message=TOO_LONG)])
    starts_at = helsinki_datetime_field(_l("Starts"), _l("Finnish time."), _l("Enter when the event starts."))
    ends_at = helsinki_datetime_field(_l("Ends"), _l("Finnish time."), _l("Enter when the event ends."))
    registration_opens_at = helsinki_datetime_field(
        _l("Registration opens"), _l("Optional. Without it, registration opens when the event is published."))
    registration_closes_at = helsinki_datetime_field(
        _l("Registration closes"), _l("Optional. Without it, registration closes when the event starts."))
    capacity = IntegerField(
        _l("Seats"), description=_l("Leave it empty for no limit."),
        validators=[Optional(), NumberRange(min=1, max=MAX_CAPACITY, message=_l(
            "Enter the number of seats as a whole number from 1 to %(max)d, or leave it empty for no limit."))],
        invalid_value_message=_l("Enter the number of seats as a whole number, or leave it empty for no limit."),
        render_kw={"inputmode": "numeric"},
    )
    waitlist_enabled = BooleanField(_l("Waiting list when the seats are taken"))
    join_url = StringField(
        _l("Join link"), filters=[stripped], validators=[Length(max=1000, message=TOO_LONG), WebAddress()],
        description=_l("Only confirmed participants see it, in their emails and on their own page."))
    recording_url = StringField(
        _l("Recording or materials link"), filters=[stripped],
        validators=[Length(max=1000, message=TOO_LONG), WebAddress()],
        description=_l("Sent with the follow-up survey after the event."))
    reminder_offsets = SelectMultipleField(
        _l("Reminder emails"), coerce=int, choices=list(REMINDER_CHOICES),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Each reminder carries the join link. Pick none to send no reminders."),
        invalid_choice_message=_l("Pick reminders from the list."),
        invalid_value_message=_l("Pick reminders from the list."),
    )
    followup_delay_minutes = IntegerField(
        _l("Follow-up survey, minutes after the end"), description=_l("For example 60 for one hour."),
        validators=[InputRequired(_l("Enter how many minutes after the end the follow-up survey is sent.")),
                    NumberRange(min=0, max=MAX_FOLLOWUP_DELAY, message=_l(
                        "Enter a whole number of minutes from 0 to %(max)d."))],
        invalid_value_message=_l("Enter the minutes as a whole number, for example 60."),
        render_kw={"inputmode": "numeric"},
    )
    programme = FieldList(FormField(ProgrammeItemForm), label=_l("Programme"))
    contacts = FieldList(FormField(ContactForm), label=_l("Contact persons"))

    def offer(self, series: list[tuple[int, str]], municipalities: list[tuple[str, str]],
              reminder_offsets=()) -> None:
        """Set the choices: series (id, name), municipalities (code, name), and any reminder the event has beyond the usual."""
        if "series_id" in self:
            self.series_id.choices = [SelectChoice(series_id, name) for series_id, name in series]
        self.host_municipality_code.choices = [SelectChoice("", _l("No host municipality"))] + sorted(
            (SelectChoice(code, name) for code, name in municipalities), key=lambda choice: choice.label)
        if "reminder_offsets" in self:
            usual = {choice.value for choice in REMINDER_CHOICES}
            extra = [SelectChoice(minutes, _l("%(duration)s before",
                                              duration=format_timedelta(timedelta(minutes=minutes))))
                     for minutes in reminder_offsets if minutes not in usual]
            self.reminder_offsets.choices = sorted([*REMINDER_CHOICES, *extra], key=lambda choice: -choice.value)

    def lock_logistics(self) -> None:
        """Leave out what can no longer change once the event has started (the page shows it as text)."""
        for name in LOGISTICS:
            if name in self:
                del self[name]

    # Only an event that has not started has these fields, so a time in the past is always a new one:
    # the event would count as started at once, with registration closed and no reminders sent.
    def validate_starts_at(self, field):
        if field.data and field.data <= utcnow():
            raise ValidationError(_l("This time is in the past. Enter a start that is still to come."))

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))
        if field.data and field.data <= utcnow():
            raise ValidationError(_l("This time is in the past. Enter an end that is still to come."))

    def validate_registration_opens_at(self, field):
        closes = self.registration_closes_at.data or self.starts_at.data
        if field.data and closes and field.data >= closes:
            raise ValidationError(_l("Registration must open before it closes and before the event starts."))

    def validate_registration_closes_at(self, field):
        if field.data and self.ends_at.data and field.data > self.ends_at.data:
            raise ValidationError(_l("Registration must close by the end of the event at the latest."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.check_programme_times() and valid

    def check_programme_times(self) -> bool:
        """Each item's time falls within the event, when the event is on one day: a typed 19.00 for 9.00 shows."""
        starts = getattr(self, "starts_at", None)
        ends = getattr(self, "ends_at", None)
        if starts is None or not (starts.data and ends.data) or starts.data.date() != ends.data.date():
            return True
        valid = True
        for entry in self.programme:
            item = entry.form
            if item.is_blank() or item.time_of_day.errors or item.time_of_day.data is None:
                continue
            if not starts.data.time() <= item.time_of_day.data <= ends.data.time():
                item.time_of_day.errors = [*item.time_of_day.errors, _l(
                    "Enter a time between the event's start %(start)s and end %(end)s.",
                    start=starts.data.strftime("%H:%M"), end=ends.data.strftime("%H:%M"))]
                valid = False
        return valid

    def details(self, current: EventDetails | None = None) -> EventDetails:
        """The event as typed, in UTC; what this form leaves out (a started event's logistics) stays as it is."""
        values = {}
        for detail in fields(EventDetails):
            if detail.name not in self:
                values[detail.name] = getattr(current, detail.name)
                continue
            data = self[detail.name].data
            if detail.name in ("programme", "contacts"):
                data = tuple(entry.form.details() for entry in self[detail.name] if not entry.form.is_blank())
            elif detail.name == "reminder_offsets":
                data = tuple(sorted(set(data or ()), reverse=True))
            elif hasattr(data, "astimezone"):
                data = data.astimezone(timezone.utc)
            elif detail.name not in ("title_fi", "description_fi") and data == "":
                data = None
            values[detail.name] = data
        return EventDetails(**values)

    def restore_programme_items(self, items: list[ProgrammeItemDetails], message: str) -> None:
        """Show these stored items again, the message next to each; a removed one comes back at the programme's end."""
        rows = {entry.form.id.data: entry for entry in self.programme}
        for item in items:
            entry = rows.get(str(item.id))
            if entry is None:
                entry = self.programme.append_entry(item)
            else:
                entry.process(None, item)
            entry.form.title_fi.errors = [message]

    def error_links(self) -> list[tuple[str, str]]:
        """(field id, message) of every error, nested rows included, in the page's order: the error summary's links."""
        links = []

        def collect(form):
            for field in form:
                if isinstance(field, FieldList):
                    for entry in field:
                        collect(entry.form)
                elif isinstance(field, FormField):
                    collect(field.form)
                elif field.errors:
                    target = f"{field.id}-0" if isinstance(field, SelectMultipleField) else field.id
                    links.append((target, field.errors[0]))

        collect(self)
        return links


class EditedEventForm(EventForm):
    """The form of an existing event, carrying which saved state of the event it was filled from."""

    version = HiddenField()


def list_indices(data: MultiDict, prefix: str) -> list[int]:
    """The row numbers submitted for a list of rows, such as "programme" or "programme-0-speakers"."""
    pattern = re.compile(re.escape(prefix) + r"-(\d+)-")
    return sorted({int(match.group(1)) for key in data if (match := pattern.match(key))})


def reordered(data: MultiDict, prefix: str, order: list[int]) -> MultiDict:
    """The data with the rows of the list in the given order of their old numbers, renumbered 0, 1, 2…; rows not named are dropped."""
    pattern = re.compile(re.escape(prefix) + r"-(\d+)-(.*)", re.DOTALL)
    new_number = {old: new for new, old in enumerate(order)}
    result = MultiDict()
    for key, value in data.items(multi=True):
        match = pattern.fullmatch(key)
        if match is None:
            result.add(key, value)
        elif int(match.group(1)) in new_number:
            result.add(f"{prefix}-{new_number[int(match.group(1))]}-{match.group(2)}", value)
    return result


def compacted(data: MultiDict) -> MultiDict:
    """The data with every list's rows numbered 0, 1, 2…, as the page's buttons count them."""
    data = reordered(data, "programme", list_indices(data, "programme"))
    for number in range(len(list_indices(data, "programme"))):
        prefix = f"programme-{number}-speakers"
        data = reordered(data, prefix, list_indices(data, prefix))
    return reordered(data, "contacts", list_indices(data, "contacts"))


def rearranged(formdata: MultiDict, action: str) -> MultiDict:
    """The submitted data after a row button: a row added, removed or moved; an unknown action changes nothing."""
    data = compacted(formdata)
    match = ACTION.fullmatch(action or "")
    if match is None:
        return data
    verb, row_kind, numbers = match.group(1), match.group(2), [int(n) for n in match.group(3).split("-")[1:]]
    if row_kind == "item":
        prefix = "programme"
    elif row_kind == "contact":
        prefix = "contacts"
    else:
        if not numbers or numbers[0] not in list_indices(data, "programme"):
            return data
        prefix, numbers = f"programme-{numbers[0]}-speakers", numbers[1:]
    rows = list_indices(data, prefix)
    first_field = {"programme": "title_fi", "contacts": "name"}.get(prefix, "name")
    if verb == "add":
        data.add(f"{prefix}-{len(rows)}-{first_field}", "")
        return data
    if len(numbers) != 1:
        return data
    return row_moved(data, prefix, verb, numbers[0])


def row_moved(data: MultiDict, prefix: str, verb: str, number: int) -> MultiDict:
    """The data after the row button `verb` ("remove", "up" or "down") of row `number` of a list of rows;
    a row that is not there, or a move past either end, changes nothing."""
    rows = list_indices(data, prefix)
    if number not in rows:
        return data
    if verb == "remove":
        rows.remove(number)
    elif verb == "up" and number > 0:
        rows[number - 1], rows[number] = rows[number], rows[number - 1]
    elif verb == "down" and number < len(rows) - 1:
        rows[number + 1], rows[number] = rows[number], rows[number + 1]
    return reordered(data, prefix, rows)
