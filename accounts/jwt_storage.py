"""Refresh tokens at rest: simplejwt's outstanding-token table keeps a digest, never the token.

simplejwt records every refresh token it issues in `OutstandingToken.token`, in clear, so a copy of
the database (or the admin page) would hold refresh tokens that still work for days. Rotation and
blacklisting find tokens by their `jti` alone, so the column can hold a SHA-256 digest instead: it
still identifies the token for an operator comparing one by hand, and is useless to anyone else.
"""

import hashlib

DIGEST_PREFIX = "sha256:"


def token_digest(raw: str) -> str:
    return DIGEST_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def store_digest_not_token(sender, instance, **kwargs) -> None:
    """pre_save of OutstandingToken: whatever path created the row, only the digest is written."""
    if instance.token and not instance.token.startswith(DIGEST_PREFIX):
        instance.token = token_digest(instance.token)
