"""Named configurations; every setting can be overridden from the environment."""

import os


def parse_bool(value: str) -> bool:
    """Read a yes/no environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Environment variable -> (config key, parser). Read when an app is created,
# so a changed environment needs no re-import.
RUNTIME_ENVIRONMENT = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "REDIS_URL": ("REDIS_URL", str),
    "SMTP_HOST": ("SMTP_HOST", str),
    "SMTP_PORT": ("SMTP_PORT", int),
    "SMTP_USER": ("SMTP_USER", str),
    "SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "SMTP_STARTTLS": ("SMTP_STARTTLS", parse_bool),
    "SMTP_SSL": ("SMTP_SSL", parse_bool),
    "SMTP_CA_FILE": ("SMTP_CA_FILE", str),
    "SMTP_TIMEOUT": ("SMTP_TIMEOUT", int),
    "MAIL_FROM": ("MAIL_FROM", str),
    "MAIL_FOLDER": ("MAIL_FOLDER", str),
    "BASE_URL": ("BASE_URL", str),
    "SERVER_NAME": ("SERVER_NAME", str),
    "RETENTION_DAYS": ("RETENTION_DAYS", int),
    "SURVEY_REMINDER_DAYS": ("SURVEY_REMINDER_DAYS", int),
    "PRIVACY_NOTICE_VERSION": ("PRIVACY_NOTICE_VERSION", str),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", parse_bool),
    "CELERY_BROKER_FOLDER": ("CELERY_BROKER_FOLDER", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", parse_bool),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "HSTS_SECONDS": ("HSTS_SECONDS", int),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "RATELIMIT_REDIS_TIMEOUT": ("RATELIMIT_REDIS_TIMEOUT", float),
    "ORGANIZER_IDLE_MINUTES": ("ORGANIZER_IDLE_MINUTES", int),
}


# Where nothing may fall back to an embedded default: these name the real services. Config key -> variable.
REQUIRED_OUTSIDE_DEVELOPMENT = {
    "SECRET_KEY": "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "REDIS_URL": "REDIS_URL",
    "SMTP_HOST": "SMTP_HOST",
    # Every link in every mail is built from BASE_URL; mail from a made-up sender is rejected.
    "BASE_URL": "BASE_URL",
    "MAIL_FROM": "MAIL_FROM",
}


class ConfigurationError(RuntimeError):
    """The app was asked to start with settings it must not run with."""


class Config:
    """Settings shared by every environment: the safe choices, which development relaxes."""

    ENV_NAME = "base"
    ENVIRONMENT = RUNTIME_ENVIRONMENT
    # Required outside development; see REQUIRED_OUTSIDE_DEVELOPMENT.
    SECRET_KEY = ""
    # None means "under the instance folder", filled in by create_app.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = ""
    CELERY_BROKER_FOLDER = None

    MAIL_FROM = ""
    MAIL_FOLDER = None
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    # Implicit TLS from the first byte (port 465) instead of STARTTLS.
    SMTP_SSL = False
    # A PEM file of CAs to trust for the mail server instead of the system's, for a private CA.
    SMTP_CA_FILE = ""
    SMTP_TIMEOUT = 30

    BASE_URL = ""
    # How many reverse proxies stand in front; rate limits need the real client address.
    TRUSTED_PROXIES = 0
    SERVER_NAME = None

    RETENTION_DAYS = 90
    # The feedback survey's one reminder goes this many days after the follow-up mail.
    SURVEY_REMINDER_DAYS = 3
    PRIVACY_NOTICE_VERSION = "2026-11"
    BABEL_DEFAULT_LOCALE = "fi"

    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not stop a sign-up (rule 4): each process counts in its own memory until
    # Redis answers again, and a storage call gives up after half a second.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_REDIS_TIMEOUT = 0.5

    # Each process keeps its own copy of what every visitor shares (municipality names, the
    # blank registration form, the public pages); nothing personal is cached. Stale for at most
    # the timeout, except the public pages, which also fall out of use at once when an organizer
    # changes what they show: the content version they are keyed by lives in Redis when REDIS_URL
    # is set, so every process of every machine hears of it (app/services/page_cache.py).
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300

    # Every form is small; a view taking a larger upload must raise the limit for itself.
    MAX_CONTENT_LENGTH = 1024 * 1024

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # An organizer login ends after this long without a request to the organizer pages. Checked
    # against a time kept in the session, not by shortening PERMANENT_SESSION_LIFETIME: Flask applies
    # that to every session cookie, participants' too, whose CSRF token would then expire on a form
    # left open, and the organizer would be asked to log in without being told why.
    ORGANIZER_IDLE_MINUTES = 60
    PREFERRED_URL_SCHEME = "https"
    # Strict-Transport-Security's max-age; 0 sends none.
    HSTS_SECONDS = 365 * 24 * 60 * 60
    DEV_MAILBOX = False
    DEMO_ORGANIZER = False


class LocalConfig(Config):
    """What only runs on one's own machine: plain HTTP on the loopback address, an example sender."""

    BASE_URL = "http://127.0.0.1:5000"
    MAIL_FROM = "Kuntatutor <kuntatutor@example.org>"
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    HSTS_SECONDS = 0


class DevelopmentConfig(LocalConfig):
    """Local development on embedded defaults: `make run`, demo data, the browser mailbox; only when asked for."""

    ENV_NAME = "development"
    SECRET_KEY = "dev-only-not-secret"
    DEV_MAILBOX = True
    DEMO_ORGANIZER = True


class TestingConfig(LocalConfig):
    """The test suite: SQLite in memory unless TEST_DATABASE_URL names PostgreSQL."""

    ENV_NAME = "testing"
    # Never DATABASE_URL or REDIS_URL: a test run must not touch a real deployment.
    ENVIRONMENT = {
        "TEST_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
        "TEST_REDIS_URL": ("REDIS_URL", str),
    }
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    DEV_MAILBOX = True


class ProductionConfig(Config):
    """Real services: PostgreSQL, Redis, SMTP; the default, and it refuses to start without them."""

    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_settings(name: str | None = None) -> dict:
    """The named configuration (or APP_CONFIG's, else production) with its environment overrides applied."""
    name = name or os.environ.get("APP_CONFIG") or "production"
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown configuration {name!r}; use one of {', '.join(CONFIGS)}.") from None
    settings = {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}
    for variable, (key, parse) in config_class.ENVIRONMENT.items():
        value = os.environ.get(variable)
        if value not in (None, ""):
            settings[key] = parse(value)
    return settings


def configuration_problems(settings: dict) -> list[str]:
    """What a configuration other than development or testing lacks or must not do, as phrases."""
    if settings["ENV_NAME"] in ("development", "testing"):
        return []
    missing = [variable for key, variable in REQUIRED_OUTSIDE_DEVELOPMENT.items() if not settings.get(key)]
    problems = [f"set {', '.join(missing)}"] if missing else []
    if settings["SMTP_USER"] and not (settings["SMTP_STARTTLS"] or settings["SMTP_SSL"]):
        problems.append("set SMTP_STARTTLS or SMTP_SSL, or the SMTP password crosses the network unencrypted")
    if settings["SMTP_STARTTLS"] and settings["SMTP_SSL"]:
        problems.append("choose one of SMTP_STARTTLS and SMTP_SSL")
    return problems
