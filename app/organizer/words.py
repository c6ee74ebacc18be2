"""The words for states on the organizer pages, in one place: the status macros, filters and exports read them."""

from flask_babel import lazy_gettext as _l

from app.organizer import bp

EVENT_STATUS_WORDS = {"draft": _l("Draft"), "published": _l("Published"), "cancelled": _l("Cancelled")}
REGISTRATION_STATUS_WORDS = {
    "confirmed": _l("Confirmed"), "waitlisted": _l("On the waiting list"), "cancelled": _l("Cancelled"),
}
ATTENDANCE_WORDS = {"yes": _l("Attended"), "no": _l("Did not attend"), "unknown": _l("Not known")}
# How the audit log names each action; a test checks that every action of AUDIT_ACTIONS has a name.
AUDIT_ACTION_WORDS = {
    "attendees_viewed": _l("Attendee list viewed"),
    "registration_viewed": _l("Registration viewed"),
    "attendees_exported": _l("Attendee list exported"),
    "registration_changed": _l("Registration changed"),
    "event_created": _l("Event created"),
    "event_changed": _l("Event changed"),
    "event_published": _l("Event published"),
    "event_unpublished": _l("Event unpublished"),
    "event_cancelled": _l("Event cancelled"),
    "organizer_created": _l("Account created"),
    "organizer_changed": _l("Account changed"),
    "password_changed": _l("Own password changed"),
    "attendance_imported": _l("Attendance imported"),
    "attendance_import_undone": _l("Attendance import undone"),
    "messages_viewed": _l("Message log viewed"),
    "message_resent": _l("Message sent again"),
    "mailing_sent": _l("Message sent to registrants"),
    "feedback_exported": _l("Feedback answers exported"),
}

# A template global, not a context processor: `{% from "macros/organizer.html" import … %}` imports
# the macros without the page's context, so a context variable would not reach them.
bp.add_app_template_global(
    {"event_status": EVENT_STATUS_WORDS, "registration_status": REGISTRATION_STATUS_WORDS,
     "attendance": ATTENDANCE_WORDS},
    "organizer_words",
)

# The reach table's rows that are not a municipality (app/services/reach.py ReachRow.kind).
REACH_ROW_WORDS = {"other": _l("Other organizations"), "total": _l("Total")}
bp.add_app_template_global(REACH_ROW_WORDS, "reach_row_words")

# The message log's words (messages): each kind of mail and each outbox status as organizers read them.
MESSAGE_KIND_WORDS = {
    "confirmation": _l("Registration confirmation"),
    "waitlisted": _l("Waiting list notice"),
    "promoted": _l("Seat from the waiting list"),
    "already_registered": _l("Already registered"),
    "registration_cancelled": _l("Registration cancelled"),
    "event_updated": _l("Event updated"),
    "event_cancelled": _l("Event cancelled"),
    "reminder": _l("Reminder"),
    "followup": _l("Follow-up"),
    "announcement": _l("Message from the organizers"),
    "survey_reminder": _l("Feedback survey reminder"),
}
MESSAGE_STATUS_WORDS = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Not sent, no longer needed"),
}
bp.add_app_template_global({"kind": MESSAGE_KIND_WORDS, "status": MESSAGE_STATUS_WORDS}, "message_words")

# The feedback survey editor's kinds of question (app/models/feedback.py QUESTION_KINDS), also for results.
QUESTION_KIND_WORDS = {
    "rating": _l("Rating from 1 to 5"),
    "nps": _l("Recommendation from 0 to 10 (NPS)"),
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "text": _l("Free text"),
    "programme_rating": _l("Rating from 1 to 5 of each talk and panel"),
}

# Feedback results (feedback_results): whose answers are read, and the three groups of NPS answers.
FEEDBACK_THROUGH_WORDS = {
    "all": _l("All answers"),
    "registration": _l("Registered participants"),
    "public_link": _l("Through the public link"),
}
NPS_GROUP_WORDS = {
    "promoters": _l("Promoters (9–10)"),
    "passives": _l("Passives (7–8)"),
    "detractors": _l("Detractors (0–6)"),
}
bp.add_app_template_global(
    {"kind": QUESTION_KIND_WORDS, "through": FEEDBACK_THROUGH_WORDS, "nps_group": NPS_GROUP_WORDS},
    "feedback_words",
)

# The attendance page's words (attendance): the report layouts the import reads (app/services/attendance.py),
# and why a row of the report matched no registration.
REPORT_LAYOUT_WORDS = {
    "generic": _l("CSV file with an email column"),
    "teams": _l("Microsoft Teams attendance report"),
    "teams_2021": _l("Microsoft Teams attendance report (2021 layout)"),
    "zoom_meeting": _l("Zoom meeting participants report"),
    "zoom_webinar": _l("Zoom webinar attendee report"),
}
UNMATCHED_REASON_WORDS = {
    "no_email": _l("No email in the report"),
    "invalid_email": _l("The email is not a valid address"),
    "not_registered": _l("Nobody registered with this email"),
}
