"""SMS providers behind one interface: `send(to, body, status_callback) -> SmsResult`.

`SMS_BACKEND` names the class: ConsoleBackend (development: prints), LocmemBackend (tests: keeps the
messages in `outbox`), TwilioBackend (the official SDK; `TWILIO_API_BASE` points it at another host).
"""

import itertools
import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_7_EXTENDED = set("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """Parts an SMS is billed as: GSM-7 160 characters (153 per part when split), else UCS-2 70 (67)."""
    if all(char in GSM_7 or char in GSM_7_EXTENDED for char in body):
        length = sum(2 if char in GSM_7_EXTENDED else 1 for char in body)
        single, part = 160, 153
    else:
        length = sum(2 if ord(char) > 0xFFFF else 1 for char in body)  # UTF-16 code units
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)


@dataclass(frozen=True)
class SmsResult:
    provider_message_id: str
    status: str  # the provider's status (queued, accepted, sent, ...)
    segments: int


class SmsError(Exception):
    """The provider refused the message; `permanent` when sending it again cannot help."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = True):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class BaseBackend:
    name = "sms"

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        raise NotImplementedError


_numbers = itertools.count(1)


class ConsoleBackend(BaseBackend):
    name = "console"

    def send(self, *, to, body, status_callback=None):
        sys.stdout.write(f"SMS to {to}: {body}\n")
        return SmsResult(provider_message_id=f"console-{next(_numbers)}", status="sent", segments=segments(body))


class LocmemBackend(BaseBackend):
    """Keeps what was sent in `LocmemBackend.outbox` (a list of dicts), like Django's locmem email."""

    name = "locmem"
    outbox: list[dict] = []

    def send(self, *, to, body, status_callback=None):
        message_id = f"locmem-{next(_numbers)}"
        LocmemBackend.outbox.append({"to": to, "body": body, "status_callback": status_callback, "sid": message_id})
        return SmsResult(provider_message_id=message_id, status="sent", segments=segments(body))


class TwilioBackend(BaseBackend):
    """Twilio's Messages API through the official SDK, with a timeout; the auth token is never logged."""

    name = "twilio"

    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS),
        )
        self.client.api.base_url = settings.TWILIO_API_BASE.rstrip("/")

    def send(self, *, to, body, status_callback=None):
        from twilio.base.exceptions import TwilioException, TwilioRestException

        options = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": body}
        if status_callback:
            options["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**options)
        except TwilioRestException as exc:
            permanent = exc.status not in (429,) and exc.status < 500
            raise SmsError(f"Twilio {exc.code}: {exc.msg}", code=str(exc.code or ""), permanent=permanent) from exc
        except TwilioException as exc:
            raise SmsError(f"Twilio: {exc}", permanent=False) from exc
        except OSError as exc:  # connection refused, timeout
            raise SmsError(f"Twilio unreachable: {exc.__class__.__name__}", permanent=False) from exc
        return SmsResult(
            provider_message_id=message.sid,
            status=message.status or "queued",
            segments=int(message.num_segments or segments(body)),
        )


def backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def signature_valid(*, url: str, params: dict, signature: str) -> bool:
    """Twilio's X-Twilio-Signature check (HMAC-SHA1 of the URL and the sorted form fields, auth token key)."""
    from twilio.request_validator import RequestValidator

    if not settings.TWILIO_AUTH_TOKEN or not signature:
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)
