"""The service's languages, its time zone and per-language content with Finnish as the fallback."""

from zoneinfo import ZoneInfo

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
# The language switcher's links, each written in its own language.
SWITCH_TO_LANGUAGE = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}
# Events happen in Finnish time; the database keeps UTC.
HELSINKI = ZoneInfo("Europe/Helsinki")
# Dates and times as written in Finland: "9.00" in Swedish too, day-month order in English.
FORMAT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


class Localized:
    """Mixin for models that keep a column per language, such as title_fi/title_sv/title_en."""

    def localized(self, field: str, language: str) -> str | None:
        """The field in the given language, or in Finnish when that is empty."""
        value = getattr(self, f"{field}_{language}", None) if language in LANGUAGES else None
        return value or getattr(self, f"{field}_{DEFAULT_LANGUAGE}")


def requested_language() -> str:
    """The language the request asks for: an explicit choice (remembered), then the remembered one, then the browser's."""
    from flask import request, session

    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale for the page: its language with Finland's formats."""
    return FORMAT_LOCALES[requested_language()]


def language_of_locale() -> str:
    """The two-letter language of the locale in force (a page's, or one forced for a mail)."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def mail_locale(language: str) -> str:
    """The locale to force while writing a mail or calendar in a registrant's language."""
    return FORMAT_LOCALES.get(language, FORMAT_LOCALES[DEFAULT_LANGUAGE])
