"""Celery entry point: `celery -A workers worker` and `celery -A workers beat`.

The Flask app is built only when Celery asks for `workers.app`, so importing a
tasks module (as the web process does) never builds a second app.
"""


def __getattr__(name: str):
    if name not in ("app", "celery"):
        raise AttributeError(name)
    from app import create_app

    celery_app = create_app().extensions["celery"]
    globals().update(app=celery_app, celery=celery_app)
    return celery_app
