"""A Flask app served over real HTTP on a free loopback port, for tests that need a real client."""

import threading

from flask import Flask
from werkzeug.serving import make_server


class LiveServer:
    """Serves an app on 127.0.0.1 in a background thread until stopped; usable as a context manager."""

    def __init__(self, app: Flask, host: str = "127.0.0.1"):
        self.app = app
        # Port 0: the operating system picks a free port, so parallel runs never collide.
        self._server = make_server(host, 0, app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"live-server-{self.port}", daemon=True
        )

    def start(self) -> "LiveServer":
        """Start answering requests."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wait for the thread and close the listening socket."""
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()

    def url_for(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return f"{self.url}/{path.lstrip('/')}"

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
