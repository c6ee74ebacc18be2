"""A private redis-server for tests that stop and start Redis (never the shared one)."""

import subprocess
import time
from pathlib import Path

import redis

from tests.smtp_server import free_loopback_port
from tests.worker_process import die_with_parent


class RedisServer:
    """A private redis-server on a loopback port of its own, which a test may stop and start again."""

    host = "127.0.0.1"

    def __init__(self, executable: str, folder: Path):
        self.executable = executable
        self.folder = folder
        self.port = free_loopback_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The broker URL of this server."""
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> "RedisServer":
        """Start an empty, non-persistent server on the same port every time; returns once it answers."""
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.executable, "--port", str(self.port), "--bind", self.host,
                 "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
            )
        client = redis.Redis(host=self.host, port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        """Shut the server down; what it held is gone, as after a crash of a non-persistent Redis."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
