"""The data model, one module per aggregate; importing this registers every table."""

from app.models.attendance import AttendanceImport
from app.models.events import ContactPerson, Event, Municipality, ProgrammeItem, Series, Speaker
from app.models.feedback import FeedbackAnswer, FeedbackForm, FeedbackQuestion, FeedbackResponse
from app.models.messages import Heartbeat, Mailing, Message
from app.models.registrations import Registration
from app.models.users import AuditEntry, OrganizerUser

__all__ = [
    "AttendanceImport",
    "AuditEntry",
    "ContactPerson",
    "Event",
    "FeedbackAnswer",
    "FeedbackForm",
    "FeedbackQuestion",
    "FeedbackResponse",
    "Heartbeat",
    "Mailing",
    "Message",
    "Municipality",
    "OrganizerUser",
    "ProgrammeItem",
    "Registration",
    "Series",
    "Speaker",
]
