"""A Flask app served over real HTTP on a free loopback port, for tests that need a real client."""

import threading

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

# Where a request's environ carries the response bodies its handler must see closed.
BODIES = "live_server.bodies"


class ClosedOnce:
    """A response body whose close() reaches the app once, however often a server calls it."""

    def __init__(self, body):
        self._body = body
        self._closed = False

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        """Close the app's body the first time only (a Flask response runs its close hooks per call)."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


class ClosingRequestHandler(WSGIRequestHandler):
    """Closes every response body, also when the browser hung up in the middle of one.

    Werkzeug's server closes the body only after draining the socket; when that read raises
    because the client reset the connection (a page navigating away mid-download), the body,
    say an open static file, is left for the garbage collector, whose ResourceWarning then
    fails whichever test happens to be running.
    """

    def make_environ(self):
        environ = super().make_environ()
        environ[BODIES] = self._bodies = []
        return environ

    def run_wsgi(self) -> None:
        self._bodies = []
        try:
            super().run_wsgi()
        finally:
            for body in self._bodies:
                body.close()


def recording_bodies(app: Flask):
    """The app as a WSGI callable that hands each response body to its request handler to close."""

    def serve(environ, start_response):
        body = ClosedOnce(app(environ, start_response))
        environ[BODIES].append(body)
        return body

    return serve


class LiveServer:
    """Serves an app on 127.0.0.1 in a background thread until stopped; usable as a context manager."""

    def __init__(self, app: Flask, host: str = "127.0.0.1"):
        self.app = app
        # Port 0: the operating system picks a free port, so parallel runs never collide.
        self._server = make_server(
            host, 0, recording_bodies(app), threaded=True, request_handler=ClosingRequestHandler
        )
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
