"""Feedback surveys: a form per event, its questions, and people's responses."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import Localized
from app.models.events import Event, Municipality, ProgrammeItem, in_list
from app.models.registrations import Registration
from app.models.types import UTCDateTime, utcnow

QUESTION_KINDS = ("rating", "nps", "single_choice", "multiple_choice", "text", "programme_rating")
# What a question is for, where the results read it apart from its wording: the overall rating and the
# recommendation (NPS) headline the results and the series, and the series tallies the future topics.
QUESTION_PURPOSES = ("overall", "recommendation", "future_topics")


class FeedbackForm(db.Model):
    """An event's survey; open between its opening and closing times."""

    __tablename__ = "feedback_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An optional link anyone can answer through, without a registration.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    event: Mapped[Event] = relationship()
    questions: Mapped[list["FeedbackQuestion"]] = relationship(
        back_populates="form", order_by="FeedbackQuestion.position", cascade="all, delete-orphan"
    )


class FeedbackQuestion(Localized, db.Model):
    """A question: a 1-5 rating, NPS 0-10, a choice, free text, or a rating per programme item."""

    __tablename__ = "feedback_question"
    __table_args__ = (
        CheckConstraint(in_list("kind", QUESTION_KINDS), name="kind"),
        CheckConstraint(f"purpose IS NULL OR {in_list('purpose', QUESTION_PURPOSES)}", name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("feedback_form.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    text_fi: Mapped[str] = mapped_column(Text)
    text_sv: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    # For choice questions: [{"fi": ..., "sv": ..., "en": ...}, ...]
    options: Mapped[list[dict] | None] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Survives rewording: an organizer may rephrase the default questions.
    purpose: Mapped[str | None] = mapped_column(String(20))

    form: Mapped[FeedbackForm] = relationship(back_populates="questions")


class FeedbackResponse(db.Model):
    """One person's answers; one per registration, anonymous once the registration is purged.

    Answers through the public link have no registration: they are counted apart, and a key
    kept in the answering browser's cookie (stored hashed) stops that browser answering twice.
    """

    __tablename__ = "feedback_response"
    __table_args__ = (
        UniqueConstraint("form_id", "browser_key_hash", name="uq_feedback_response_browser_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("feedback_form.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), unique=True
    )
    # Copied from the registration so the breakdown by municipality outlives it.
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))
    # Answered through the public link, not a registration's: stays apart after the purge too.
    via_public_link: Mapped[bool] = mapped_column(Boolean, default=False)
    browser_key_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    form: Mapped[FeedbackForm] = relationship()
    registration: Mapped[Registration | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    answers: Mapped[list["FeedbackAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class FeedbackAnswer(db.Model):
    """The answer to one question (and, for programme ratings, one programme item)."""

    __tablename__ = "feedback_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", "programme_item_id", name="uq_feedback_answer_once"),
        CheckConstraint(
            "value_int IS NOT NULL OR value_text IS NOT NULL OR choices IS NOT NULL", name="has_value"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("feedback_question.id", ondelete="CASCADE"))
    programme_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_item.id", ondelete="CASCADE")
    )
    value_int: Mapped[int | None] = mapped_column(Integer)
    value_text: Mapped[str | None] = mapped_column(Text)
    # Indexes into the question's options, for choice questions.
    choices: Mapped[list[int] | None] = mapped_column(JSON)

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers")
    question: Mapped[FeedbackQuestion] = relationship()
    programme_item: Mapped[ProgrammeItem | None] = relationship()
