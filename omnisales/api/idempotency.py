"""Idempotency-Key for POSTs: the same key and body within 24 h replays the first response.

Secrets are never stored: a response field marked secret (omnisales.api.secrets.SecretField) is left
out of the stored body, and the replay names the omitted fields in `Idempotent-Secrets-Omitted`. A
client that lost the first response then knows to revoke and re-issue (new API key, rotate secret).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from .errors import ApplicationError
from .models import IdempotencyRecord
from .renderers import CamelCaseJSONRenderer
from .secrets import SECRETS_OMITTED_HEADER, without_secrets
from .throttling import credential_key

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
LOCK_SECONDS = 60


class IdempotencyError(ApplicationError):
    pass


class IdempotentReplay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


class Claim:
    """A key this request is executing under: finish() stores the response, release() frees the lock."""

    def __init__(self, scope: str, key: str, fingerprint: str):
        self.scope, self.key, self.fingerprint = scope, key, fingerprint

    @property
    def lock_key(self) -> str:
        return "idempotency-lock:" + hashlib.sha256(f"{self.scope}\0{self.key}".encode()).hexdigest()

    def finish(self, response) -> None:
        if 200 <= response.status_code < 300:
            body, omitted = "", []
            if response.data is not None:
                data, omitted = without_secrets(response.data)
                # Without secrets to leave out, the response is rendered once: the bytes sent are the bytes stored.
                rendered = CamelCaseJSONRenderer().render(data) if omitted else response.render().content
                body = rendered.decode()
            IdempotencyRecord.objects.create(
                scope=self.scope,
                key=self.key,
                fingerprint=self.fingerprint,
                status_code=response.status_code,
                body=body,
                secrets_omitted=omitted,
            )
            transaction.on_commit(self.release)
        else:
            self.release()

    def release(self) -> None:
        cache.delete(self.lock_key)


def _ttl() -> timedelta:
    return getattr(settings, "IDEMPOTENCY_KEY_TTL", timedelta(hours=24))


def claim(request) -> Claim | None:
    """Called once the request is authenticated. Raises IdempotentReplay to answer from storage."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    key = key.strip()
    # Control characters (NUL above all) cannot be stored in PostgreSQL text and have no place in a key.
    if not key or len(key) > MAX_KEY_LENGTH or any(ord(char) < 32 or ord(char) == 127 for char in key):
        raise IdempotencyError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters",
            code="INVALID_IDEMPOTENCY_KEY",
            status_code=400,
        )
    scope = credential_key(request)
    fingerprint = hashlib.sha256(
        request.method.encode() + b"\0" + request.get_full_path().encode() + b"\0" + request.body
    ).hexdigest()
    _answer_from_record(scope, key, fingerprint)
    current = Claim(scope, key, fingerprint)
    if not cache.add(current.lock_key, 1, timeout=LOCK_SECONDS):
        raise IdempotencyError(
            f"A request with this {HEADER} is still in progress", code="IDEMPOTENCY_KEY_IN_USE", status_code=409
        )
    try:
        # Looked for again under the lock: the request that held it may have committed its record
        # between the first look and the lock, and must be replayed, not run a second time.
        _answer_from_record(scope, key, fingerprint)
    except BaseException:
        current.release()
        raise
    return current


def _answer_from_record(scope: str, key: str, fingerprint: str) -> None:
    """Raises IdempotentReplay (or a 422 for another body) when the key already has a live record."""
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is not None and record.created_at < timezone.now() - _ttl():
        # Expired, and the daily purge (accounts.tasks) has not reached it yet: the key is free again.
        record.delete()
        record = None
    if record is not None:
        if record.fingerprint != fingerprint:
            raise IdempotencyError(
                f"This {HEADER} was already used with a different request",
                code="IDEMPOTENCY_KEY_REUSED",
                status_code=422,
            )
        raise IdempotentReplay(record)


def replay_response(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    if record.secrets_omitted:
        response[SECRETS_OMITTED_HEADER] = ", ".join(record.secrets_omitted)
        response["Cache-Control"] = "no-store"
    return response
