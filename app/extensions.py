"""Extension objects, created unbound and bound to an app in create_app."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
# Per process: reference data and rendered fragments that are the same for everyone.
cache = Cache()


@event.listens_for(Engine, "connect")
def prepare_sqlite_connection(dbapi_connection, connection_record):
    """Give each SQLite connection foreign key checks and a lower() that knows ä, ö and å."""
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        # SQLite checks foreign keys only when asked, once per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLite's own lower() folds only A-Z, so a search for "äijälä" (ILIKE is lower() LIKE
        # lower() there) would miss "Äijälä"; PostgreSQL folds every letter, and so does Python.
        dbapi_connection.create_function("lower", 1, lambda text: text.lower() if isinstance(text, str) else text,
                                         deterministic=True)
