"""Opaque, prefixed, time-ordered ids (`ord_0Q3…`). The one registry of prefixes lives here."""

import os
import threading
import time

from django.db import models
from django.utils.deconstruct import deconstructible

# model label -> prefix. Every model with a public id registers here, so prefixes never collide.
PREFIXES = {
    "account": "acc",
    "membership": "mem",
    "api_key": "key",
    "oauth_application": "app",
    "user": "usr",
    "category": "cat",
    "product": "prod",
    "customer": "cus",
    "customer_segment": "seg",
    "order": "ord",
    "order_item": "item",
    "order_event": "evt",
    "order_payment": "opay",
    "shipment": "shp",
    "warehouse": "wh",
    "stock_level": "stk",
    "stock_movement": "mov",
    "stock_reservation": "rsv",
    "stock_transfer": "trf",
    "payment": "pay",
    "refund": "rfd",
    "subscription": "sub",
    "stripe_event": "sevt",
    "webhook_endpoint": "whk",
    "webhook_event": "wevt",
    "webhook_delivery": "dlv",
    "lead": "lead",
    "opportunity": "opp",
    "activity": "act",
    "return": "ret",
    "review": "rev",
    "discount": "disc",
    "loyalty_program": "loy",
    "discount_redemption": "drd",
    "loyalty_tier": "tier",
    "loyalty_member": "lmem",
    "points_transaction": "ptx",
    "campaign": "cmp",
    "template": "tpl",
    "marketplace_connection": "conn",
    "marketplace_sync_job": "sync",
    "marketplace_order": "mko",
    "marketplace_buyer": "mkb",
    "marketplace_listing": "mkl",
    "product_variant": "var",
    "message": "msg",
    "consent_change": "cons",
    "product_import": "pimp",
    "return_item": "reti",
    "return_refund": "retr",
}

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order: sorts by time
_WIDTH = 22  # 62**22 > 2**128


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # two digits per division: ids are made by the thousand


def _encode(number: int) -> str:
    pairs = []
    for _ in range(_WIDTH // 2):
        number, remainder = divmod(number, 3844)
        pairs.append(_PAIRS[remainder])
    return "".join(reversed(pairs))


_RANDOM_BYTES = 10  # 80 bits per id
_POOL_IDS = 256  # ids' worth of randomness read from the OS at once


class _RandomPool(threading.local):
    """The random part of ids, read from the operating system's CSPRNG (what `secrets` reads) 256 ids' worth
    at a time, each thread its own. `os.urandom` lets go of the GIL for its system call, so reading it per id
    handed the interpreter to any other busy thread once per row written (an import's writer thread made
    150,000 ids a run that way). A forked child (a prefork worker) drops what it inherited, so no two
    processes share random bits."""

    def __init__(self):
        self.numbers: list[int] = []

    def take(self) -> int:
        numbers = self.numbers
        if not numbers:
            data = os.urandom(_RANDOM_BYTES * _POOL_IDS)
            numbers.extend(
                int.from_bytes(data[start : start + _RANDOM_BYTES]) for start in range(0, len(data), _RANDOM_BYTES)
            )
        return numbers.pop()


_pool = _RandomPool()
os.register_at_fork(after_in_child=lambda: _pool.numbers.clear())


def new_id(prefix: str) -> str:
    """48 bits of milliseconds then 80 random bits: unique, unguessable, and sortable by creation."""
    value = (int(time.time() * 1000) << 80) | _pool.take()
    return f"{prefix}_{_encode(value)}"


@deconstructible
class IdGenerator:
    def __init__(self, kind: str):
        if kind not in PREFIXES:
            raise ValueError(f"Unknown id kind {kind!r}: add it to omnisales.api.ids.PREFIXES")
        self.kind = kind

    def __call__(self) -> str:
        return new_id(PREFIXES[self.kind])

    def __eq__(self, other):
        return isinstance(other, IdGenerator) and other.kind == self.kind


class PrefixedIdField(models.CharField):
    """Primary key holding a prefixed id; the prefix comes from the registry above."""

    def __init__(self, kind: str = "", **kwargs):
        self.kind = kind
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        if kind:
            kwargs.setdefault("default", IdGenerator(kind))
        super().__init__(**kwargs)

    def db_type(self, connection):
        """On PostgreSQL the same type as a CharField's, spelled out: Django gives every indexed column whose
        type starts with "varchar" a second, varchar_pattern_ops index for LIKE queries. Ids are never
        searched with LIKE, and such an index on every key and foreign key (each row of every table has its
        account's id) doubled the index upkeep of every insert. Foreign keys take their type from here too."""
        if connection.vendor == "postgresql":
            return f"character varying({self.max_length})"
        return super().db_type(connection)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        for key in ("max_length", "primary_key", "editable", "default"):
            kwargs.pop(key, None)
        return name, path, args, kwargs
