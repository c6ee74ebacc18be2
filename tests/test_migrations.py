"""The Alembic migrations build the whole model from empty, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db

EXPECTED_TABLES = {
    "municipality", "series", "event", "programme_item", "speaker", "contact_person",
    "registration", "message", "heartbeat", "feedback_form", "feedback_question",
    "feedback_response", "feedback_answer", "organizer_user", "organizer_series",
    "organizer_events", "audit_entry",
}


def migrate_up_and_down(url: str) -> None:
    """Upgrade an empty database, compare it with the models, go down to empty and up again."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert EXPECTED_TABLES <= tables
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert EXPECTED_TABLES <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_migrations_build_the_model_on_sqlite(tmp_path):
    migrate_up_and_down(f"sqlite:///{tmp_path / 'migrated.sqlite'}")


def test_migrations_build_the_model_on_postgresql(postgres_url):
    migrate_up_and_down(postgres_url)


def test_partial_unique_index_exists_after_migration(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'idx.sqlite'}")
    with app.app_context():
        upgrade()
        indexes = {index["name"]: index for index in inspect(db.engine).get_indexes("registration")}
        assert indexes["uq_registration_active_email"]["unique"]
        db.engine.dispose()
