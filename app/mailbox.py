"""Development-only mailbox: the .eml files the folder mailer wrote, readable in a browser."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mail")


def mail_folder() -> Path:
    """Where the folder mailer writes."""
    return Path(current_app.config["MAIL_FOLDER"])


def read_message(path: Path):
    """Parse one stored message."""
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


@bp.get("/")
def index():
    """Every stored message, newest first."""
    folder = mail_folder()
    paths = sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []
    messages = [(path.stem, read_message(path)) for path in paths[:500]]
    return render_template("mailbox/index.html", messages=messages)


@bp.get("/<name>")
def show(name: str):
    """One message: headers, the text part and any calendar part."""
    path = mail_folder() / f"{name}.eml"
    # The name comes from the URL: only plain file names in the mail folder.
    if "/" in name or name.startswith(".") or not path.is_file():
        abort(404)
    message = read_message(path)
    text = message.get_body(preferencelist=("plain",))
    calendar_parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    # An invite travels twice, inline and as invite.ics: the inline one is enough when there is one.
    inline = [part for part in calendar_parts if not part.is_attachment()]
    calendars = [part.get_content() for part in inline or calendar_parts]
    return render_template(
        "mailbox/show.html",
        name=name,
        message=message,
        text=text.get_content() if text else "",
        calendars=calendars,
    )
