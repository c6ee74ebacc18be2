"""The Celery app, built from the Flask app's config; tasks run inside an app context."""

from pathlib import Path

from celery import Celery, Task
from celery.signals import beat_init
from flask import Flask

# Periodic work; the interval lives here once.
BEAT_SCHEDULE = {
    "record-heartbeat": {"task": "workers.health.record_heartbeat", "schedule": 60.0},
    "sweep-outbox": {"task": "workers.delivery.sweep_outbox", "schedule": 60.0},
    "plan-messages": {"task": "workers.scheduling.plan_messages", "schedule": 60.0},
    "purge-expired": {"task": "workers.retention.purge_expired", "schedule": 24 * 60 * 60.0},
}


def broker_settings(config) -> dict:
    """Redis when REDIS_URL is set; otherwise a broker that needs no server."""
    if config["REDIS_URL"]:
        return {
            "broker_url": config["REDIS_URL"],
            # A publish gives up at once when Redis is down: a commit waits for no broker, the sweep
            # delivers later (rule 4). One immediate retry reconnects a pooled connection Redis dropped.
            "broker_transport_options": {
                "socket_connect_timeout": 0.5, "socket_timeout": 5, "max_retries": 1, "interval_start": 0,
            },
            "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0},
        }
    if config.get("TESTING"):
        return {"broker_url": "memory://"}
    # A shared folder lets the web process, the worker and beat of `make run` talk.
    folder = Path(config["CELERY_BROKER_FOLDER"])
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            # Broadcast (worker control) files too, instead of ./control in the working directory.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    }


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app and make it the default for shared tasks."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        # A task is acknowledged only once it finished, so a killed worker's task runs again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # A Redis blip must not cancel a batch mid-send (Celery 6's default would), leaving
        # its rows in `sending` until the claim times out.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        timezone="UTC",
        imports=("workers.health", "workers.delivery", "workers.scheduling", "workers.retention"),
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(Path(app.instance_path) / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
        **broker_settings(app.config),
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    def beat_started(sender=None, **kwargs):
        # Beat's first interval run comes a minute after start; say it is alive at once.
        from app.services.health import record_heartbeat

        with app.app_context():
            record_heartbeat()

    beat_init.connect(beat_started, weak=False, dispatch_uid="kuntatutor-beat-heartbeat")
    return celery_app
