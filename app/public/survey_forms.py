"""The feedback form a participant fills in, built from the form's questions; every message is a sentence."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import PlainTextForm
from app.models import FeedbackForm, FeedbackQuestion, ProgrammeItem
from app.services.feedback_forms import rated_programme_items
from app.services.survey import LONGEST_TEXT, SCALES, Answer

TOO_LONG = _l("Shorten your answer to at most %(max)d characters; it is now %(length)d characters long.")


class ChoiceAmongShown(RadioField):
    """A radio group that leaves "nothing chosen" to its required/optional check and words a stray value as a sentence."""

    def pre_validate(self, form):
        if self.raw_data:
            super().pre_validate(form)


class AtLeastOne:
    """A required multiple-choice question needs one option ticked."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(self.message)


def scale_hint(kind: str):
    """What the ends of a scale mean."""
    if kind == "nps":
        return _l("0 means not at all likely and 10 extremely likely.")
    return _l("1 means poor and 5 excellent.")


def scale_field(question: FeedbackQuestion, label: str, kind: str, missing, hint=None) -> ChoiceAmongShown:
    """A 1-5 or 0-10 scale as a radio group."""
    scale = SCALES[kind]
    wrong = _l("Choose one of the numbers from %(low)d to %(high)d.", low=scale.start, high=scale.stop - 1)
    return ChoiceAmongShown(
        label,
        choices=[SelectChoice(str(value), str(value)) for value in scale],
        validators=[InputRequired(missing) if question.required else Optional()],
        invalid_choice_message=wrong,
        description=hint or "",
    )


def question_field(question: FeedbackQuestion, language: str):
    """The field that asks one question (other than a programme rating)."""
    label = question.localized("text", language)
    options = [SelectChoice(str(index), option.get(language) or option.get("fi") or "")
               for index, option in enumerate(question.options or [])]
    if question.kind in SCALES:
        return scale_field(question, label, question.kind, _l("Choose a number for this question."),
                           scale_hint(question.kind))
    if question.kind == "single_choice":
        return ChoiceAmongShown(
            label, choices=options,
            validators=[InputRequired(_l("Choose one of the options.")) if question.required else Optional()],
            invalid_choice_message=_l("Choose one of the options shown."),
        )
    if question.kind == "multiple_choice":
        return SelectMultipleField(
            label, choices=options, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
            validators=[AtLeastOne(_l("Choose at least one of the options.")) if question.required else Optional()],
            invalid_choice_message=_l("Choose only among the options shown."),
        )
    return TextAreaField(
        label,
        validators=[
            DataRequired(_l("Write your answer in the box.")) if question.required else Optional(),
            Length(max=LONGEST_TEXT, message=TOO_LONG),
        ],
    )


def item_field(question: FeedbackQuestion, item: ProgrammeItem, language: str) -> ChoiceAmongShown:
    """A programme rating's scale for one programme item."""
    return scale_field(question, item.localized("title", language), "programme_rating",
                       _l("Choose a number for this programme item."))


def field_name(question_id: int, item_id: int | None = None) -> str:
    """The name under which an answer is posted: q<question> or q<question>-<item>."""
    return f"q{question_id}" if item_id is None else f"q{question_id}-{item_id}"


@dataclass
class Section:
    """One question on the page: its field, or for a programme rating one field per programme item."""

    question: FeedbackQuestion
    text: str
    names: list[str] = field(default_factory=list)


class SurveyAnswersForm(PlainTextForm):
    """A survey's answers; the fields are added per form by answers_form()."""

    submit = SubmitField(_l("Send your answers"))
    sections: list[Section]
    field_order: tuple[str, ...]

    def answers(self) -> list[Answer]:
        """The answers given, as the survey service stores them; unanswered optional questions left out."""
        given = []
        for section in self.sections:
            question = section.question
            for name in section.names:
                data = self[name].data
                item_id = int(name.partition("-")[2]) if "-" in name else None
                if question.kind in SCALES and data not in (None, ""):
                    given.append(Answer(question.id, item_id, value_int=int(data)))
                elif question.kind == "single_choice" and data not in (None, ""):
                    given.append(Answer(question.id, choices=(int(data),)))
                elif question.kind == "multiple_choice" and data:
                    given.append(Answer(question.id, choices=tuple(sorted({int(choice) for choice in data}))))
                elif question.kind == "text" and (data or "").strip():
                    given.append(Answer(question.id, value_text=data.strip()))
        return given


def answers_form(form: FeedbackForm, language: str, earlier: list[Answer] | None = None) -> SurveyAnswersForm:
    """The form for a survey's questions in the language, showing `earlier` answers unless a POST brings new ones."""
    items = rated_programme_items(form.event)
    fields, sections = {}, []
    for question in form.questions:
        section = Section(question, question.localized("text", language))
        if question.kind == "programme_rating":
            for item in items:
                fields[field_name(question.id, item.id)] = item_field(question, item, language)
                section.names.append(field_name(question.id, item.id))
        else:
            fields[field_name(question.id)] = question_field(question, language)
            section.names.append(field_name(question.id))
        if section.names:
            sections.append(section)
    form_class = type("SurveyAnswers", (SurveyAnswersForm,), fields)
    form_class.sections = sections
    form_class.field_order = tuple(name for section in sections for name in section.names)
    return form_class(data=earlier_data(form, earlier or []))


def earlier_data(form: FeedbackForm, answers: list[Answer]) -> dict:
    """Stored answers as the fields' values."""
    kinds = {question.id: question.kind for question in form.questions}
    data = {}
    for answer in answers:
        name = field_name(answer.question_id, answer.programme_item_id)
        kind = kinds.get(answer.question_id)
        if kind in SCALES:
            data[name] = str(answer.value_int)
        elif kind == "single_choice":
            data[name] = str(answer.choices[0])
        elif kind == "multiple_choice":
            data[name] = [str(choice) for choice in answer.choices]
        else:
            data[name] = answer.value_text
    return data
