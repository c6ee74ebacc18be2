"""The words for states on the organizer pages, in one place: the status macros, filters and exports read them."""

from flask_babel import lazy_gettext as _l

from app.organizer import bp

EVENT_STATUS_WORDS = {"draft": _l("Draft"), "published": _l("Published"), "cancelled": _l("Cancelled")}
REGISTRATION_STATUS_WORDS = {
    "confirmed": _l("Confirmed"), "waitlisted": _l("On the waiting list"), "cancelled": _l("Cancelled"),
}
ATTENDANCE_WORDS = {"yes": _l("Attended"), "no": _l("Did not attend"), "unknown": _l("Not known")}

# A template global, not a context processor: `{% from "macros/organizer.html" import … %}` imports
# the macros without the page's context, so a context variable would not reach them.
bp.add_app_template_global(
    {"event_status": EVENT_STATUS_WORDS, "registration_status": REGISTRATION_STATUS_WORDS,
     "attendance": ATTENDANCE_WORDS},
    "organizer_words",
)
