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

# How the audit log says each detail an entry keeps (app/organizer/audit_details.py), by the keyword
# record() was given; a count kept under a key that elsewhere holds a change is "<key>_count".
# A test checks that every keyword the app records has its words here.
AUDIT_DETAIL_WORDS = {
    "email": _l("Account: %(value)s"),
    "previous_email": _l("Earlier address: %(value)s"),
    "role": _l("Role: %(value)s"),
    "changed": _l("Changed: %(value)s"),
    "password": _l("New password set by an administrator"),
    "rows": _l("Rows: %(value)s"),
    "total": _l("Matching in all: %(value)s"),
    "page": _l("Page: %(value)s"),
    "filters": _l("Filters: %(value)s"),
    "format": _l("Format: %(value)s"),
    "registration_id": _l("Registration number: %(value)s"),
    "change": _l("Change: %(value)s"),
    "status": _l("Status: %(value)s"),
    "attended": _l("Attendance: %(value)s"),
    "promoted": _l("Seats given from the waiting list: %(value)s"),
    "message": _l("Message number: %(value)s"),
    "kind": _l("Kind: %(value)s"),
    "mailing": _l("Mailing number: %(value)s"),
    "recipients": _l("Recipients: %(value)s"),
    "languages": _l("Languages: %(value)s"),
    "import_id": _l("Import number: %(value)s"),
    "layout": _l("Report: %(value)s"),
    "minimum_minutes": _l("Minimum time in the webinar: %(value)s min"),
    "attended_count": _l("Attended: %(value)s"),
    "absent": _l("Did not attend: %(value)s"),
    "unmatched": _l("Rows matching nobody: %(value)s"),
    "changed_count": _l("Registrations changed: %(value)s"),
    "restored": _l("Registrations restored: %(value)s"),
    "kept": _l("Changed by hand since, kept: %(value)s"),
    "fields": _l("Details changed: %(value)s"),
    "feedback_form": _l("Feedback survey changed: %(value)s"),
    "cloned_from": _l("Copied from event number: %(value)s"),
    "told": _l("Registrants told by email: %(value)s"),
}
# The names of the attendee list's and message log's filters, as the audit log lists them.
FILTER_WORDS = {
    "status": _l("status"), "municipality": _l("municipality"), "attended": _l("attendance"),
    "kind": _l("kind"), "search": _l("search"),
}
