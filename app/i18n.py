"""The service's languages and per-language content with Finnish as the fallback."""

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


class Localized:
    """Mixin for models that keep a column per language, such as title_fi/title_sv/title_en."""

    def localized(self, field: str, language: str) -> str | None:
        """The field in the given language, or in Finnish when that is empty."""
        value = getattr(self, f"{field}_{language}", None) if language in LANGUAGES else None
        return value or getattr(self, f"{field}_{DEFAULT_LANGUAGE}")


def select_locale() -> str:
    """The page language: an explicit choice, then the one remembered, then the browser's."""
    from flask import request, session

    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
