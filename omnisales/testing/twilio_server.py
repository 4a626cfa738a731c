"""A local Twilio Messages API for tests: the wire protocol the official SDK speaks, checked like Twilio.

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: HTTP Basic auth must be the account SID and
  auth token (401, error 20003, otherwise); form fields `To` (E.164, else 400 error 21211), `From` or
  `MessagingServiceSid` (else 400 error 21603), `Body` (1-1600 characters, else 400 error 21617). Answers
  201 with the message resource (`sid` SM + 32 hex, `status` queued, `num_segments`, ...).
- `status_callback(sid, status, error_code=None)`: POSTs the form Twilio sends to the message's
  StatusCallback, signed with X-Twilio-Signature (base64 HMAC-SHA1 of the URL followed by each sorted
  parameter name and value, keyed with the auth token), and returns the HTTP status the app answered.
"""

import base64
import hashlib
import hmac
import re
import secrets
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlencode

from .fake_http import JsonHandler, ServesHTTP

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")


def signature(auth_token: str, url: str, params: dict) -> str:
    """X-Twilio-Signature as Twilio computes it."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _segments(body: str) -> int:
    gsm = all(ord(char) < 128 for char in body)
    single, part = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    form: dict


class FakeTwilio(ServesHTTP):
    def __init__(self, *, account_sid: str | None = None, auth_token: str | None = None):
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.messages: list[SentMessage] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._serve(_Handler)

    @property
    def server(self):
        """The HTTP server (listening once started)."""
        return self._server

    def configure(self, settings) -> None:
        settings.SMS_BACKEND = "messaging.providers.sms.TwilioBackend"
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = self.account_sid, self.auth_token
        settings.TWILIO_FROM_NUMBER = "+15005550006"
        settings.TWILIO_API_BASE = self.base_url

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        match = PATH.match(path.split("?", 1)[0])
        if match is None:
            return 404, _error(20404, "The requested resource was not found", 404), {}
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return 400, _error(20001, "Expected a form body", 400), {}
        form = {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
        status, answer = self.create_message(match["sid"], headers.get("Authorization"), form)
        return status, answer, {}

    def _authorized(self, header: str | None, sid: str) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (
            hmac.compare_digest(user, self.account_sid)
            and hmac.compare_digest(password, self.auth_token)
            and (sid == self.account_sid)
        )

    def create_message(self, sid: str, authorization: str | None, form: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"account_sid": sid, "form": form})
        if not self._authorized(authorization, sid):
            return 401, _error(20003, "Authenticate", 401)
        to, body = form.get("To", ""), form.get("Body", "")
        if not E164.match(to):
            return 400, _error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, _error(21603, "A 'From' or 'MessagingServiceSid' parameter is required.", 400)
        if not body or len(body) > 1600:
            return 400, _error(21617, "The concatenated message body exceeds the 1600 character limit.", 400)
        message = SentMessage(
            sid="SM" + secrets.token_hex(16),
            to=to,
            from_=form.get("From", ""),
            body=body,
            status_callback=form.get("StatusCallback"),
            form=form,
        )
        with self._lock:
            self.messages.append(message)
        now = format_datetime(datetime.now(UTC))
        return 201, {
            "sid": message.sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": message.from_,
            "body": body,
            "status": "queued",
            "num_segments": str(_segments(body)),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
            "subresource_uris": {},
        }

    def status_callback(self, sid: str, status: str, *, error_code: str | None = None, sign_with=None) -> int:
        message = next(message for message in self.messages if message.sid == sid)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.from_,
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if error_code:
            params["ErrorCode"] = error_code
        request = urllib.request.Request(
            message.status_callback,
            data=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature(sign_with or self.auth_token, message.status_callback, params),
                "User-Agent": "TwilioProxy/1.1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def _error(code: int, message: str, status: int) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(JsonHandler):
    do_POST = JsonHandler.respond
