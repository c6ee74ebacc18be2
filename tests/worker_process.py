"""Real `celery -A workers ...` processes for tests: started from the project folder, always ended.

Each process leads a process group of its own, so stopping or killing it reaches the prefork
pool's children too, and Linux ends it if the test run that started it dies.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The `celery` command of this virtualenv, as the Procfile runs it.
CELERY = str(Path(sys.executable).with_name("celery"))
TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1
# Looked up here, not in the child: between fork and exec only the call itself is safe.
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent() -> None:
    """In the child before exec: have Linux send SIGTERM if the test process dies."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class CeleryProcess:
    """A `celery -A workers ...` process started from the project folder, its output in a log file."""

    def __init__(self, log_path: Path, *arguments: str, env: dict[str, str] | None = None):
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [CELERY, "-A", "workers", *arguments],
                cwd=PROJECT_DIR,
                env=dict(os.environ) if env is None else env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    @property
    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started, as the OOM killer or a power cut would."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def stop(*processes: CeleryProcess) -> list[int]:
    """Stop as a process manager does: SIGTERM to all at once, a grace period, then SIGKILL.

    Returns the exit codes of the main processes; any child left behind is killed too.
    """
    for celery in processes:
        if celery.process.poll() is None:
            celery.process.send_signal(signal.SIGTERM)
    for celery in processes:
        try:
            celery.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            celery.process.kill()
            celery.process.wait()
    codes = [celery.process.returncode for celery in processes]
    for celery in processes:
        celery.kill_group()
    return codes


def worker_arguments(*extra: str) -> list[str]:
    """A worker that starts quickly: no waiting for sibling workers to answer."""
    return ["worker", "--loglevel=info", "--without-mingle", "--without-gossip", *extra]


def wait_for(condition, processes: list[CeleryProcess], what: str, timeout: float = TIMEOUT):
    """Poll until condition() is truthy; fail early with the logs if a process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for celery in processes:
            if celery.process.poll() is not None:
                pytest.fail(f"celery exited with {celery.process.returncode} before {what}:\n{celery.log}")
        time.sleep(0.1)
    logs = "\n".join(celery.log for celery in processes)
    pytest.fail(f"No {what} within {timeout:.0f} s:\n{logs}")
