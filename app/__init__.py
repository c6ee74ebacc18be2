"""The Kuntatutor webinar service: create_app builds it from a named configuration."""

import logging
from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigurationError, configuration_problems, load_settings

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app from the named configuration (or APP_CONFIG), then apply overrides."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    configure(app, config_name, overrides)
    register_proxy_handling(app)
    register_extensions(app)
    register_celery(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def configure(app: Flask, config_name: str | None, overrides: dict) -> None:
    """Load settings, refuse to run without the real services outside development, fill the embedded defaults."""
    app.config.from_mapping(load_settings(config_name))
    app.config.from_mapping(overrides)
    problems = configuration_problems(app.config)
    if problems:
        raise ConfigurationError(
            f"Kuntatutor will not start with APP_CONFIG={app.config['ENV_NAME']}: {'; '.join(problems)}"
            " (APP_CONFIG=development runs on embedded defaults for local use)."
        )
    instance = Path(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"] is None:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'kuntatutor.sqlite'}"
    app.config["MAIL_FOLDER"] = app.config["MAIL_FOLDER"] or str(instance / "mail")
    app.config["CELERY_BROKER_FOLDER"] = app.config["CELERY_BROKER_FOLDER"] or str(instance / "broker")
    app.config["RATELIMIT_STORAGE_URI"] = (
        app.config["RATELIMIT_STORAGE_URI"] or app.config["REDIS_URL"] or "memory://"
    )
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = app.config["RATELIMIT_REDIS_TIMEOUT"]
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout, "socket_timeout": timeout})
    instance.mkdir(parents=True, exist_ok=True)


def register_proxy_handling(app: Flask) -> None:
    """Trust TRUSTED_PROXIES proxies' X-Forwarded-* headers; with none trusted, say so once when such headers arrive."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        return
    warned = False

    @app.before_request
    def warn_about_an_untrusted_proxy():
        # Behind an unannounced proxy every visitor shares the proxy's address, and the
        # per-address rate limits would stop a whole municipality after a few sign-ups.
        nonlocal warned
        if not warned and "X-Forwarded-For" in request.headers:
            warned = True
            log.warning(
                "Requests carry X-Forwarded-For but TRUSTED_PROXIES is 0: rate limits see the proxy's address"
                " for every visitor. Set TRUSTED_PROXIES to the number of proxies in front of the app."
            )


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    from app import models  # noqa: F401  (registers the tables on the metadata)
    from app.extensions import babel, cache, csrf, db, limiter, login_manager, migrate
    from app.i18n import HELSINKI, SWITCH_TO_LANGUAGE, language_of_locale, select_locale
    from app.services.content import render_markdown

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone=HELSINKI.key)
    limiter.init_app(app)
    cache.init_app(app)

    @app.context_processor
    def page_language():
        return {"lang": language_of_locale(), "switch_to_language": SWITCH_TO_LANGUAGE}

    app.add_template_filter(render_markdown, "markdown")


def register_celery(app: Flask) -> None:
    """Build the Celery app from this Flask app's config, and the doorbell that wakes its workers after commits."""
    from flask_sqlalchemy.session import Session as FlaskSession

    from workers.celery_app import celery_init_app
    from workers.wakeup import Doorbell, watch_sessions

    celery_init_app(app)
    app.extensions["outbox_doorbell"] = Doorbell()
    watch_sessions(FlaskSession)


def register_blueprints(app: Flask) -> None:
    """Mount the public site, the organizer pages and, in development, the mailbox."""
    from app.organizer import bp as organizer_bp
    from app.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(organizer_bp, url_prefix="/organizer")
    if app.config["DEV_MAILBOX"]:
        from app.mailbox import bp as mailbox_bp

        app.register_blueprint(mailbox_bp)


def register_errorhandlers(app: Flask) -> None:
    """Show every error, unexpected ones included, as a page in the site's layout and the person's language."""

    def render_error(error: HTTPException):
        # Routing redirects (such as a missing trailing slash) are HTTPExceptions too.
        if error.code is None or error.code < 400:
            return error
        # A view may have prepared its own response, e.g. a rate-limited form that keeps the input.
        if error.response is not None:
            return error.response
        return render_template("error.html", error=error), error.code

    app.register_error_handler(HTTPException, render_error)


def register_security_headers(app: Flask) -> None:
    """Send a strict CSP and the usual hardening headers with every response."""

    hsts_seconds = app.config["HSTS_SECONDS"]

    @app.after_request
    def add_security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
            " object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if hsts_seconds:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
        return response


def register_commands(app: Flask) -> None:
    """Add the `flask` commands."""
    from app.cli import register

    register(app)
