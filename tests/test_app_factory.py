"""The app factory under each named configuration."""

import pytest

from app import create_app
from config import ConfigurationError


def test_testing_config_uses_its_own_database_setting(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1/production")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    app = create_app("testing")
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_development_defaults_need_no_servers(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/kuntatutor.sqlite")
    assert app.extensions["celery"].conf.broker_url == "filesystem://"
    assert app.config["DEV_MAILBOX"] is True


def test_environment_overrides_every_service_setting(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.internal/kt")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("SMTP_HOST", "smtp.internal")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("MAIL_FROM", "Kuntatutor <noreply@uusimaa.fi>")
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("BASE_URL", "https://kuntatutor.example.fi")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/kt"
    assert app.extensions["celery"].conf.broker_url == "redis://cache.internal:6379/0"
    assert app.config["SMTP_HOST"] == "smtp.internal"
    assert app.config["SMTP_PORT"] == 587
    assert app.config["SMTP_STARTTLS"] is True
    assert app.config["MAIL_FROM"] == "Kuntatutor <noreply@uusimaa.fi>"
    assert app.config["RETENTION_DAYS"] == 30
    assert app.config["BASE_URL"] == "https://kuntatutor.example.fi"


PRODUCTION_SERVICES = {
    "SECRET_KEY": "a-long-random-secret",
    "DATABASE_URL": "sqlite://",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SMTP_HOST": "smtp.example.fi",
    "BASE_URL": "https://kuntatutor.example.fi",
    "MAIL_FROM": "Kuntatutor <kuntatutor@uudenmaanliitto.fi>",
}


def in_production(monkeypatch, **settings):
    """The environment of a production deployment, with `settings` changed (None removes one)."""
    monkeypatch.delenv("APP_CONFIG", raising=False)
    for name, value in {**PRODUCTION_SERVICES, **settings}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_without_app_config_the_app_is_production_and_names_every_missing_service(monkeypatch):
    in_production(monkeypatch, **dict.fromkeys(PRODUCTION_SERVICES))
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = str(refused.value)
    assert "\n" not in message
    for name in PRODUCTION_SERVICES:
        assert name in message


def test_production_refuses_to_send_an_smtp_password_unencrypted(monkeypatch):
    in_production(monkeypatch, SMTP_USER="kuntatutor", SMTP_PASSWORD="secret")
    with pytest.raises(ConfigurationError, match="SMTP_STARTTLS or SMTP_SSL"):
        create_app()
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    assert create_app().config["SMTP_STARTTLS"] is True


@pytest.mark.parametrize("missing", list(PRODUCTION_SERVICES))
def test_production_refuses_to_start_without_each_service(monkeypatch, missing):
    in_production(monkeypatch, **{missing: None})
    with pytest.raises(ConfigurationError, match=f"set {missing} "):
        create_app()


def test_production_starts_with_its_services_and_hides_dev_pages(monkeypatch):
    in_production(monkeypatch)
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == "a-long-random-secret"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "mailbox" not in app.blueprints
    response = app.test_client().get("/dev/mail/")
    assert response.status_code == 404
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_settings_only_when_asked_for(monkeypatch):
    in_production(monkeypatch)
    assert create_app().config["DEV_MAILBOX"] is False
    monkeypatch.setenv("APP_CONFIG", "development")
    development = create_app()
    assert development.config["DEV_MAILBOX"] is True
    assert "Strict-Transport-Security" not in development.test_client().get("/privacy").headers


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="Unknown configuration"):
        create_app("staging")


def test_apps_selected_by_app_config_variable(monkeypatch):
    monkeypatch.setenv("APP_CONFIG", "testing")
    assert create_app().testing


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("APP_CONFIG", "development")
    app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://")
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["address"] = request.remote_addr
        return ""

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen["address"] == "203.0.113.7"


def test_forwarded_headers_without_trusted_proxies_are_reported_once(monkeypatch, caplog):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    app = create_app("testing")
    client = app.test_client()
    with caplog.at_level("WARNING", logger="app"):
        client.get("/privacy")
        client.get("/privacy", headers={"X-Forwarded-For": "203.0.113.7"})
        client.get("/privacy", headers={"X-Forwarded-For": "203.0.113.8"})
    warnings = [record for record in caplog.records if "TRUSTED_PROXIES" in record.getMessage()]
    assert len(warnings) == 1
