"""The HTTP plumbing the local fakes share (stripe_server, shopee_server, lazada_server, meta_server, twilio_server).

A fake is a plain object with `handle(method, path, headers, body) -> (status, payload, extra_headers)`;
`FakeHTTPServer` serves it on 127.0.0.1 in a daemon thread, `JsonHandler` turns each request into that
call and writes the answer (JSON by default), and `ServesHTTP` gives the fake start()/stop(), the
context manager and `base_url`:

    class _Handler(JsonHandler):
        do_GET = do_POST = JsonHandler.respond      # the methods the fake answers (others: 501)

    class FakeThing(ServesHTTP):
        def __init__(self):
            ...
            self._serve(_Handler)

        def handle(self, method, path, headers, body):
            return 200, {"ok": True}, {}
"""

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class FakeHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server for `fake` that keeps its open connections, so that stopping can drop them."""

    daemon_threads = True

    def __init__(self, fake, handler_class: type[BaseHTTPRequestHandler], address=("127.0.0.1", 0)):
        super().__init__(address, handler_class)
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that gave up (a test of our timeout) closed its end; that is not the server's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections, self.connections = self.connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class JsonHandler(BaseHTTPRequestHandler):
    """Answers a request with `self.server.fake.handle(method, path, headers, body)`.

    Subclasses name the methods they answer (`do_GET = do_POST = JsonHandler.respond`) and may change
    `content_type` or `encode()`. The headers go out as Content-Type (unless `encode` gives None),
    Content-Length, then the fake's extra headers in their order.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; no 40 ms delayed-ACK stall
    content_type = "application/json"

    def respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, extra_headers = self.server.fake.handle(self.command, self.path, self.headers, body)
        data, content_type = self.encode(payload, extra_headers)
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def encode(self, payload, extra_headers: dict) -> tuple[bytes, str | None]:
        """The body for the fake's payload and its Content-Type (None: no Content-Type header)."""
        return json.dumps(payload).encode(), self.content_type

    def log_message(self, format, *args):
        pass


class ServesHTTP:
    """start()/stop(), `with fake:` and `base_url` for a fake that called `self._serve(handler_class)`."""

    _server: FakeHTTPServer
    _thread: threading.Thread | None

    def _serve(self, handler_class: type[BaseHTTPRequestHandler]) -> None:
        """Binds a free port on 127.0.0.1 for this fake (not yet answering: that is start())."""
        self._server = FakeHTTPServer(self, handler_class)
        self._thread = None

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops listening and drops open keep-alive connections, like a server that went away."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        self._server.drop_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
