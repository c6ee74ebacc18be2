"""The Finnish and Swedish catalogues: complete, current with the code, compiled, and used by pages and mail.

When a test here fails because strings were added or changed, refresh the catalogues
(the commands are also at the top of babel.cfg):

    .venv/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 \\
        --no-wrap --sort-by-file --project=Kuntatutor \\
        --copyright-holder="Helsinki-Uusimaa Regional Council" -o app/translations/messages.pot .
    .venv/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap
    # translate the new entries in app/translations/{fi,sv}/LC_MESSAGES/messages.po, then
    make translations
"""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.models import Message
from app.services.composer import compose
from app.services.registration import Applicant, register
from tests.factories import make_event, make_municipality

PROJECT_DIR = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT_DIR / "app" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("fi", "sv")
# The one extraction command; babel.cfg documents the same one.
EXTRACT_OPTIONS = [
    "-F", "babel.cfg",
    "-k", "lazy_gettext", "-k", "_l", "-k", "lazy_ngettext:1,2",
    "--no-wrap", "--sort-by-file", "--project=Kuntatutor",
]
# A %-placeholder as Python and Jinja's newstyle gettext format it: %(name)s, %(num)d, %%.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa%])")


def read_catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def msgids(catalog) -> set:
    """The catalog's active message ids (a plural's id is the (singular, plural) pair)."""
    return {(message.context, message.id) for message in catalog if message.id}


def describe(key) -> str:
    context, msgid = key
    text = " | ".join(msgid) if isinstance(msgid, tuple) else msgid
    return f"{text!r}" + (f" (context {context!r})" if context else "")


def placeholders(text: str) -> list[tuple[str, str]]:
    """The text's placeholders as (name, conversion) pairs, sorted; %% counts as one too."""
    return sorted(((m["name"] or "", m["type"]) for m in PLACEHOLDER.finditer(text)))


def stray_percent(text: str) -> bool:
    """A % that is not part of a placeholder, which formatting would choke on."""
    return "%" in PLACEHOLDER.sub("", text)


@pytest.fixture(scope="module")
def template():
    return read_catalog(TEMPLATE)


# (a) Every string in the template is translated, not fuzzy, with the msgid's placeholders.


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(template, language):
    catalog = read_catalog(po_path(language))
    assert not catalog.fuzzy, f"The {language} catalogue's header is marked fuzzy: remove the flag."
    wanted = msgids(template)
    problems = []
    for message in catalog:
        key = (message.context, message.id)
        if not message.id or key not in wanted:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {describe(key)}")
        elif not all(form and form.strip() for form in forms):
            problems.append(f"untranslated: {describe(key)}")
    missing = wanted - msgids(catalog)
    problems += [f"not in the catalogue (run pybabel update): {describe(key)}" for key in sorted(missing, key=str)]
    extra = msgids(catalog) - wanted
    problems += [f"no longer in the template (run pybabel update): {describe(key)}" for key in sorted(extra, key=str)]
    assert not problems, f"app/translations/{language}: " + "\n  ".join(["", *problems])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_msgid(language):
    problems = []
    for message in read_catalog(po_path(language)):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            sources, translations = message.id, message.string
        else:
            sources, translations = (message.id,), (message.string,)
        expected = {tuple(placeholders(source)) for source in sources}
        for translation in translations:
            if not translation:
                continue
            if tuple(placeholders(translation)) not in expected:
                problems.append(
                    f"{describe((message.context, message.id))}: {translation!r} has "
                    f"{placeholders(translation)}, the msgid {sorted(expected)}"
                )
            if stray_percent(translation) and not any(stray_percent(source) for source in sources):
                problems.append(f"{describe((message.context, message.id))}: {translation!r} has a stray %")
    assert not problems, f"app/translations/{language}: " + "\n  ".join(["", *problems])


def test_catalogues_use_two_plural_forms():
    for language in LANGUAGES:
        catalog = read_catalog(po_path(language))
        assert catalog.num_plurals == 2, language
        for message in catalog:
            if isinstance(message.id, tuple):
                assert len(message.string) == 2, (language, message.id)


# (b) The committed template is what extraction gives from the code now.


def test_template_is_up_to_date_with_the_code(tmp_path):
    extracted = tmp_path / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *EXTRACT_OPTIONS,
         "-o", str(extracted), "."],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stdout}\n{result.stderr}"
    in_code = msgids(read_catalog(extracted))
    in_template = msgids(read_catalog(TEMPLATE))
    new = sorted(in_code - in_template, key=str)
    gone = sorted(in_template - in_code, key=str)
    report = [f"new in the code, missing from messages.pot: {describe(key)}" for key in new]
    report += [f"in messages.pot, no longer in the code: {describe(key)}" for key in gone]
    assert not report, (
        "app/translations/messages.pot is out of date; extract, update and translate "
        "(see this module's docstring):" + "\n  ".join(["", *report])
    )


# The .mo files Flask-Babel reads are built by `make translations`, not committed.


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_po_file(language):
    compiled = po_path(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make translations`."
    expected = io.BytesIO()
    write_mo(expected, read_catalog(po_path(language)))
    is_current = compiled.read_bytes() == expected.getvalue()
    assert is_current, f"{compiled} was compiled before the last change to its .po file: run `make translations`."


# (c) Pages come out in Finnish and Swedish.

PAGE_TEXTS = {
    "fi": {"register": "Ilmoittaudu", "first_name_missing": "Kirjoita etunimesi.", "email_invalid":
           "Kirjoita sähköpostiosoite muodossa nimi@esimerkki.fi."},
    "sv": {"register": "Anmäl dig", "first_name_missing": "Skriv ditt förnamn.", "email_invalid":
           "Skriv e-postadressen i formen namn@exempel.fi."},
}


@pytest.fixture
def event(db):
    make_municipality("092", "Vantaa", "Vanda")
    found = make_event(title_fi="Digituki kuntoon", title_sv="Digitalt stöd")
    db.session.commit()
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_form_is_in_the_chosen_language(client, event, language):
    page = client.get(f"/events/{event.slug}/register?lang={language}")
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert f'value="{PAGE_TEXTS[language]["register"]}"' in page.text
    assert 'value="Register"' not in page.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_validation_errors_are_sentences_in_the_chosen_language(client, event, language):
    response = client.post(
        f"/events/{event.slug}/register?lang={language}",
        data={"first_name": "", "last_name": "Äijälä", "email": "aino at example", "municipality": "092",
              "language": language, "privacy_consent": "y"},
    )
    assert response.status_code == 400
    assert PAGE_TEXTS[language]["first_name_missing"] in response.text
    assert PAGE_TEXTS[language]["email_invalid"] in response.text
    assert "Enter your first name." not in response.text


def test_the_browser_language_is_used_when_none_was_chosen(client, event):
    page = client.get(f"/events/{event.slug}/register", headers={"Accept-Language": "sv-FI,sv;q=0.9,fi;q=0.5"})
    assert 'value="Anmäl dig"' in page.text


def test_english_stays_english(client, event):
    page = client.get(f"/events/{event.slug}/register?lang=en")
    assert 'value="Register"' in page.text


# (d) Mail goes out in the registrant's language.


@pytest.mark.parametrize(
    "language, subject, greeting",
    [
        ("fi", "Ilmoittautuminen vahvistettu: Digituki kuntoon", "Hei Aino,"),
        ("sv", "Anmälan bekräftad: Digitalt stöd", "Hej Aino,"),
        ("en", "Registration confirmed: Digituki kuntoon", "Hello Aino,"),
    ],
)
def test_confirmation_mail_is_in_the_registrants_language(db, event, language, subject, greeting):
    applicant = Applicant(email="aino@example.org", first_name="Aino", last_name="Äijälä",
                          language=language, municipality_code="092")
    outcome = register(event.id, applicant, "2026-11")
    db.session.flush()
    message = db.session.execute(
        select(Message).where(Message.registration_id == outcome.registration.id, Message.kind == "confirmation")
    ).scalar_one()

    mail = compose(message)

    assert mail["Subject"] == subject
    assert mail["Content-Language"] == language
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith(greeting)
