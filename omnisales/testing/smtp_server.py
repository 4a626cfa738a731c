"""A local SMTP server (aiosmtpd) for tests and benchmarks: it keeps every message it accepts.

`failures` answers the next DATA commands in order: an SMTP error reply (`"451 4.3.0 Try again later"`
is a transient failure a sender should retry; `"550 ..."` a permanent one), or None to accept that one.
`fail_recipients` refuses those addresses at RCPT TO with 550. `keep_content=False` counts messages and
recipients only (benchmarks).
"""

import logging
import socket
import threading
from collections import Counter, deque
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    content: bytes

    @property
    def message(self):
        return message_from_bytes(self.content, policy=policy.default)


class Sink:
    def __init__(self, *, keep_content: bool = True):
        self.keep_content = keep_content
        self.messages: list[Received] = []
        self.per_recipient: Counter = Counter()
        self.failures: deque[str] = deque()
        self.fail_recipients: set[str] = set()
        self.count = 0
        self._condition = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.fail_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._condition:
            failure = self.failures.popleft() if self.failures else None
            if failure:
                return failure
            self.count += 1
            self.per_recipient.update(address.lower() for address in envelope.rcpt_tos)
            if self.keep_content:
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            self._condition.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> int:
        with self._condition:
            self._condition.wait_for(lambda: self.count >= count, timeout=timeout)
            return self.count


def _free_port() -> int:
    """A port free now (aiosmtpd's controller connects to its port to check it is up, so 0 will not do)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """`with SmtpServer() as smtp:` serves on 127.0.0.1:`smtp.port`; `smtp.email_url` is EMAIL_URL for it."""

    def __init__(self, *, keep_content: bool = True):
        self.sink = Sink(keep_content=keep_content)
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=_free_port(), ready_timeout=10)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def configure(self, settings) -> None:
        """Points Django's SMTP backend at this server (a pytest-django `settings` fixture)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
