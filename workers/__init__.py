"""Celery entry point: `celery -A workers worker` and `celery -A workers beat`.

The Flask app is built only when Celery asks for `workers.app`, so importing a
tasks module (as the web process does) never builds a second app.
"""

# Imported now, not when the app is built: `celery -A workers` puts the project folder
# on sys.path only while it imports this package, and `config` lives there.
from app import create_app


def __getattr__(name: str):
    """Build the Flask app and its Celery app the first time Celery asks for `workers.app`."""
    if name not in ("app", "celery"):
        raise AttributeError(name)
    celery_app = create_app().extensions["celery"]
    globals().update(app=celery_app, celery=celery_app)
    return celery_app
