"""The test server closes a response body also when the client resets the connection after it."""

import socket
import struct
import threading

from flask import Flask, Response

from tests.live_server import LiveServer


def test_a_body_is_closed_when_the_client_resets_the_connection_after_the_response():
    written = threading.Event()
    closed = threading.Event()

    class Body:
        def __iter__(self):
            yield b"x" * 1024
            # The server asks for more only once the chunk above is on the wire.
            written.set()

        def close(self):
            closed.set()

    app = Flask(__name__)
    app.add_url_rule("/file", "file", lambda: Response(Body(), direct_passthrough=True))

    with LiveServer(app) as server:
        client = socket.create_connection((server.host, server.port))
        client.sendall(b"GET /file HTTP/1.1\r\nHost: test\r\n\r\n")
        assert written.wait(timeout=5)
        # Linger 0: close() sends a reset, as a browser may when a page goes away. It reaches the
        # server while Werkzeug drains the socket, whose read then raises before the body is closed.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()

        assert closed.wait(timeout=5)
