"""Stripe-style signatures: `Omni-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`.

hex = HMAC-SHA256(key=secret, message=f"{t}.{raw body}"). One v1 per secret that is valid right now,
so during a rotation a receiver holding either the old or the new secret can verify.
"""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: list[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"]
    parts.extend(f"v1={signature(secret, timestamp, body)}" for secret in signing_secrets)
    return ",".join(parts)
