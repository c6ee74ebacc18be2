"""The feedback survey editor's form: when the survey is open, its public link, and its questions, usable without JavaScript.

Question rows are added, moved and removed by submit buttons named `action` (`add-question`,
`remove-question-2`, `up-question-2`, `down-question-2`), as in the event editor: the page
is shown again with the rows rearranged, nothing saved.
"""

import re
from datetime import timezone

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import PlainTextForm, PlainTextSubform
from app.i18n import LANGUAGES
from app.models.feedback import QUESTION_KINDS
from app.organizer.event_forms import (
    TOO_LONG, BlankRowsAreSkipped, helsinki_datetime_field, list_indices, reordered, row_moved, stripped, text_or_none,
)
from app.organizer.words import QUESTION_KIND_WORDS
from app.services.feedback_forms import CHOICE_KINDS, FormSettings, QuestionDetails, option

MAX_QUESTIONS = 40
MAX_OPTIONS = 20
QUESTION_MAX_LENGTH = 500
OPTION_MAX_LENGTH = 200
ACTION = re.compile(r"(add|remove|up|down)-question(?:-(\d+))?")
OPTIONS_HINT = {
    "fi": _l("Only for single and multiple choice: one option per line."),
    "sv": _l("Optional: one Swedish option per Finnish option, in the same order."),
    "en": _l("Optional: one English option per Finnish option, in the same order."),
}
OPTIONS_COUNT_MISMATCH = {
    "sv": _l("Write as many Swedish options as there are Finnish ones, in the same order, "
             "or leave the Swedish options empty."),
    "en": _l("Write as many English options as there are Finnish ones, in the same order, "
             "or leave the English options empty."),
}


def option_lines(text: str | None) -> list[str]:
    """The options typed one per line, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(BlankRowsAreSkipped, PlainTextSubform):
    """A question: its kind, wording in each language, options for choice questions, and whether it must be answered."""

    id = HiddenField()
    kind = SelectField(
        _l("Kind of question"), default="rating",
        choices=[SelectChoice(kind, QUESTION_KIND_WORDS[kind]) for kind in QUESTION_KINDS],
        invalid_choice_message=_l("Choose a kind of question from the list."),
    )
    text_fi = StringField(_l("Question in Finnish"), filters=[stripped], render_kw={"lang": "fi"}, validators=[
        DataRequired(_l("Write the question in Finnish, or empty the whole question to remove it.")),
        Length(max=QUESTION_MAX_LENGTH, message=TOO_LONG)])
    text_sv = StringField(_l("Question in Swedish"), filters=[stripped], render_kw={"lang": "sv"},
                          validators=[Length(max=QUESTION_MAX_LENGTH, message=TOO_LONG)],
                          description=_l("Optional. Without it, the Swedish survey shows the Finnish question."))
    text_en = StringField(_l("Question in English"), filters=[stripped], render_kw={"lang": "en"},
                          validators=[Length(max=QUESTION_MAX_LENGTH, message=TOO_LONG)],
                          description=_l("Optional. Without it, the English survey shows the Finnish question."))
    options_fi = TextAreaField(_l("Options in Finnish"), description=OPTIONS_HINT["fi"], render_kw={"lang": "fi"})
    options_sv = TextAreaField(_l("Options in Swedish"), description=OPTIONS_HINT["sv"], render_kw={"lang": "sv"})
    options_en = TextAreaField(_l("Options in English"), description=OPTIONS_HINT["en"], render_kw={"lang": "en"})
    required = BooleanField(_l("An answer is required"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_blank():
            return True
        return self.check_options() and valid

    def check_options(self) -> bool:
        """Choice questions have two or more options, the same number in each language; other kinds have none."""
        if self.kind.data not in CHOICE_KINDS:
            for language in LANGUAGES:
                field = self[f"options_{language}"]
                if option_lines(field.data):
                    field.errors = [*field.errors, _l(
                        "Only single and multiple choice questions have options. Empty this field, "
                        "or choose one of those kinds.")]
                    return False
            return True
        finnish = option_lines(self.options_fi.data)
        message = None
        if len(finnish) < 2:
            message = _l("Write at least two options in Finnish, one per line.")
        elif len(finnish) > MAX_OPTIONS:
            message = _l("Use at most %(max)d options.", max=MAX_OPTIONS)
        elif len({line.casefold() for line in finnish}) < len(finnish):
            message = _l("Each option must be different: remove or reword the repeated one.")
        if message is not None:
            self.options_fi.errors = [*self.options_fi.errors, message]
            return False
        valid = True
        for language in LANGUAGES:
            field, lines = self[f"options_{language}"], option_lines(self[f"options_{language}"].data)
            if any(len(line) > OPTION_MAX_LENGTH for line in lines):
                field.errors = [*field.errors, _l("Keep each option to at most %(max)d characters.",
                                                   max=OPTION_MAX_LENGTH)]
                valid = False
            elif language != "fi" and lines and len(lines) != len(finnish):
                field.errors = [*field.errors, OPTIONS_COUNT_MISMATCH[language]]
                valid = False
        return valid

    def details(self) -> QuestionDetails:
        """The question as the service takes it."""
        columns = {language: option_lines(self[f"options_{language}"].data) for language in LANGUAGES}
        options = ()
        if self.kind.data in CHOICE_KINDS:
            options = tuple(
                option(*(columns[language][number] if columns[language] else None for language in LANGUAGES))
                for number in range(len(columns["fi"]))
            )
        return QuestionDetails(
            id=int(self.id.data) if (self.id.data or "").isdigit() else None,
            kind=self.kind.data,
            text_fi=self.text_fi.data,
            text_sv=text_or_none(self.text_sv.data),
            text_en=text_or_none(self.text_en.data),
            options=options,
            required=bool(self.required.data),
        )



def row_data(question: QuestionDetails) -> dict:
    """A question as its row's fields hold it, the options one per line."""
    data = {
        "id": question.id, "kind": question.kind, "text_fi": question.text_fi, "text_sv": question.text_sv,
        "text_en": question.text_en, "required": question.required,
    }
    for language in LANGUAGES:
        words = [choice.get(language) or "" for choice in question.options]
        data[f"options_{language}"] = "\n".join(words) if any(words) else ""
    return data


class FeedbackFormForm(PlainTextForm):
    """The survey's settings and questions."""

    opens_at = helsinki_datetime_field(_l("The survey opens"), _l("Finnish time. Usually when the event ends."),
                                       _l("Enter when the survey opens."))
    closes_at = helsinki_datetime_field(_l("The survey closes"), _l("Finnish time. Usually two weeks later."),
                                        _l("Enter when the survey closes."))
    public_link = BooleanField(
        _l("Public link for people who did not register"),
        description=_l("Anyone with the link can answer, for example people who watched the recording; their "
                       "answers are counted apart. Turning the link off ends it, and turning it on again makes "
                       "a new one."))
    questions = FieldList(FormField(QuestionForm), label=_l("Questions"))

    def __init__(self, *args, event_starts_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_starts_at = event_starts_at
        self.questions_error = None

    def validate_opens_at(self, field):
        if field.data and self.event_starts_at and field.data < self.event_starts_at:
            raise ValidationError(_l("The survey can open when the event starts (%(start)s) at the earliest.",
                                start=format_datetime(self.event_starts_at, "short")))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The survey must close after it opens."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        count = sum(1 for entry in self.questions if not entry.form.is_blank())
        if count == 0:
            self.questions_error = _l("Add at least one question: the survey has nothing to ask.")
        elif count > MAX_QUESTIONS:
            self.questions_error = _l("Use at most %(max)d questions.", max=MAX_QUESTIONS)
        return valid and self.questions_error is None

    def settings(self) -> FormSettings:
        """The times (UTC) and the public link as typed."""
        return FormSettings(opens_at=self.opens_at.data.astimezone(timezone.utc),
                            closes_at=self.closes_at.data.astimezone(timezone.utc),
                            public_link=bool(self.public_link.data))

    def question_details(self) -> tuple[QuestionDetails, ...]:
        """The questions as typed, in order, without blank rows."""
        return tuple(entry.form.details() for entry in self.questions if not entry.form.is_blank())

    def rows_by_question_id(self) -> dict[int, QuestionForm]:
        """The rows of stored questions by the question's id."""
        return {int(entry.form.id.data): entry.form for entry in self.questions if (entry.form.id.data or "").isdigit()}

    def error_links(self) -> list[tuple[str, str]]:
        """(field id, message) of every error in the page's order: the error summary's links."""
        links = [(field.id, field.errors[0]) for field in (self.opens_at, self.closes_at, self.public_link)
                 if field.errors]
        for entry in self.questions:
            links.extend((field.id, field.errors[0]) for field in entry.form if field.errors)
        if self.questions_error:
            links.append(("add-question", self.questions_error))
        return links


def rearranged(formdata: MultiDict, action: str) -> MultiDict:
    """The submitted data after a row button: a question added, removed or moved; an unknown action changes nothing."""
    data = reordered(formdata, "questions", list_indices(formdata, "questions"))
    match = ACTION.fullmatch(action or "")
    if match is None:
        return data
    verb, number = match.group(1), match.group(2)
    if verb == "add":
        if number is None:
            data.add(f"questions-{len(list_indices(data, 'questions'))}-text_fi", "")
        return data
    if number is None:
        return data
    return row_moved(data, "questions", verb, int(number))
