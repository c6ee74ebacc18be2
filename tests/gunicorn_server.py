"""The real app (or any WSGI app) under gunicorn in a subprocess, on a loopback port of its own."""

import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GUNICORN = PROJECT_DIR / ".venv" / "bin" / "gunicorn"
# Settings a child must not inherit from the shell that runs the tests: they would point the
# server at a real deployment's database, Redis or mail instead of what the caller chose.
INHERITED_SETTINGS_DROPPED = (
    "APP_CONFIG", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL",
    "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "GUNICORN_CMD_ARGS",
)
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child before exec: have Linux end the server if the process that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class GunicornServer:
    """gunicorn serving `app_spec` (such as "app:create_app('testing')") with the given environment.

    The listening socket is bound here and handed to gunicorn (`fd://`), so no other process can
    take the port between choosing and binding it. The server runs in a process group of its own;
    stopping sends SIGTERM to the master and then SIGKILL to the whole group, so no worker survives.
    On Linux the master also gets SIGTERM if the process that started it dies (even by SIGKILL).
    """

    host = "127.0.0.1"

    def __init__(self, app_spec: str, env: dict[str, str] | None = None, *, workers: int = 2,
                 threads: int = 8, worker_class: str = "gthread", startup_timeout: float = 30.0):
        self.app_spec = app_spec
        self.env = env or {}
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._log = None
        self._last_log = ""

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def child_environment(self) -> dict[str, str]:
        """The parent's environment without deployment settings, plus the caller's."""
        env = {key: value for key, value in os.environ.items() if key not in INHERITED_SETTINGS_DROPPED}
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
        return env

    def command(self, fd: int) -> list[str]:
        """The gunicorn command line: its workers on the socket handed over as `fd`."""
        # gunicorn turns sync workers given threads into gthread ones; sync means one at a time.
        threads = ["--threads", str(self.threads)] if self.worker_class == "gthread" else []
        return [
            str(GUNICORN),
            "--workers", str(self.workers),
            *threads,
            "--worker-class", self.worker_class,
            "--bind", f"fd://{fd}",
            "--graceful-timeout", "5",
            "--timeout", "60",
            "--log-level", "warning",
            self.app_spec,
        ]

    def start(self) -> "GunicornServer":
        """Start gunicorn and return once it answers HTTP; on failure, stop it and raise with its log."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, 0))
            listener.listen(1024)
            self.port = listener.getsockname()[1]
            fd = listener.fileno()
            self._log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                self.command(fd),
                cwd=PROJECT_DIR,
                env=self.child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
                preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
            )
        except BaseException:
            self.stop()
            raise
        finally:
            # gunicorn has its own copy; ours would keep the port open after the server stops.
            listener.close()
        try:
            self.wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_answering(self) -> None:
        """Poll until a worker answers, failing early if gunicorn exits.

        OPTIONS is answered by Flask's routing alone (no view, template or database), so a
        server whose pages are still being written counts as up once its app is loaded.
        """
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
            try:
                connection.request("OPTIONS", "/")
                connection.getresponse().read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer in {self.startup_timeout} s:\n{self.log()}") from None
                time.sleep(0.1)
            finally:
                connection.close()

    def stop(self) -> None:
        """SIGTERM to the master for a graceful stop, then SIGKILL to every process left in its group."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            try:
                # The group id is the master's pid (start_new_session); workers that outlived it die here.
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        self._last_log = self.log()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        """What gunicorn and the app wrote to stdout and stderr so far."""
        if self._log is None:
            return self._last_log
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        self._log.seek(0, os.SEEK_END)
        return text

    def __enter__(self) -> "GunicornServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
