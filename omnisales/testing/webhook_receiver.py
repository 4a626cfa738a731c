"""A webhook receiver for tests and benchmarks: plain HTTP/1.1 on 127.0.0.1, in a thread."""

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver speaking plain HTTP/1.1. `statuses` answers the next requests in order
    (then `default_status`), after `delay` seconds; every request is recorded."""

    host: str = "127.0.0.1"
    default_status: int = 200
    delay: float = 0.0
    statuses: deque = field(default_factory=deque)
    requests: list = field(default_factory=list)
    port: int = 0

    def __post_init__(self):
        self._condition = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def record(self, request: ReceivedRequest) -> int:
        with self._condition:
            self.requests.append(request)
            status = self.statuses.popleft() if self.statuses else self.default_status
            self._condition.notify_all()
            return status

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        with self._condition:
            self._condition.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK add up to 40 ms to every response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.record(ReceivedRequest(self.path, dict(self.headers.items()), body))
            time.sleep(receiver.delay)
            reply = json.dumps({"received": status < 300}).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format, *args):
            pass

    return Handler


def serve(receiver: Receiver, ssl_context=None) -> ThreadingHTTPServer:
    """Serves `receiver` in a daemon thread (over TLS with `ssl_context`); stop with shutdown()."""
    server = ThreadingHTTPServer((receiver.host, 0), _handler_for(receiver))
    server.daemon_threads = True
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
