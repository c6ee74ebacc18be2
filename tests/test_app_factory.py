"""The app factory under each named configuration."""

import pytest

from app import create_app


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


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_secret_key_and_hides_dev_pages(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert app.config["SECRET_KEY"] == "a-long-random-secret"
    assert "mailbox" not in app.blueprints
    assert app.test_client().get("/dev/mail/").status_code == 404


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
